package qr_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/analytics"
	"github.com/posguard/posguard/metrics"
	"github.com/posguard/posguard/qr"
	"github.com/posguard/posguard/simwallet"
	"github.com/posguard/posguard/sqlite"
	"github.com/posguard/posguard/storetest"
	"github.com/posguard/posguard/wallet"
)

// BenchmarkQRObserver measures what the QR metrics and the failure
// analytics add to each order that becomes final (the engine's Observer,
// as posguard serve wires it), from every CPU at once: go test ./qr -run X
// -bench QRObserver -cpu 1,8.
func BenchmarkQRObserver(b *testing.B) {
	st, err := sqlite.Open(filepath.Join(b.TempDir(), "o.db"), storetest.NewSealer())
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	agg := &analytics.Aggregator{Store: st}
	obs := qr.Observers{metrics.NewQR(metrics.New().Registry()), agg}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = agg.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	t0 := time.Now()
	var n atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			o := &posguard.QROrder{ID: i, MerchantID: "898310048990001", Channel: "wechat", Mode: posguard.QRMicropay,
				State: posguard.QRSucceeded, CreatedAt: t0, UpdatedAt: t0.Add(80 * time.Millisecond)}
			if i%10 == 0 {
				o.State, o.Reason = posguard.QRFailed, posguard.ReasonQRInsufficient
			}
			obs.QROrderFinal(o)
		}
	})
}

// BenchmarkQRMicropayObserved is BenchmarkQRMicropay with the engine's
// Observer set as posguard serve sets it (the QR metrics and the failure
// analytics, which flush every second): run both with
// go test ./qr -run X -bench QRMicropay to see what observing costs an
// order end to end.
func BenchmarkQRMicropayObserved(b *testing.B) {
	ctx := context.Background()
	w, err := simwallet.ParseWorld([]byte(`
wallet_channels:
  - { name: "wx", kind: wechat, url: "http://127.0.0.1:1/wx", app_id: "wxbench", key: "` + benchKey + `" }
merchants:
  - { id: "898310048990001", wallet: { mch_id: "1900000101" } }
payers:
  - { code: "13", channel: "wx", balance: 1000000000000, behavior: ok }
`))
	if err != nil {
		b.Fatal(err)
	}
	sim, err := simwallet.New(w, simwallet.Options{Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	defer srv.Close()
	st, err := sqlite.Open(filepath.Join(b.TempDir(), "b.db"), storetest.NewSealer())
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	must := func(err error) {
		if err != nil {
			b.Fatal(err)
		}
	}
	must(st.PutMerchant(ctx, &posguard.Merchant{ID: "898310048990001", Name: "bench", MCC: "5411", Status: posguard.MerchantActive}))
	must(st.PutMerchantWallet(ctx, &posguard.MerchantWallet{MerchantID: "898310048990001", MchID: "1900000101", NotifyKey: bytes.Repeat([]byte{1}, 32)}))
	k, err := wallet.ParseKey(benchKey)
	must(err)
	must(st.PutWalletChannel(ctx, &posguard.WalletChannel{Name: "wx", Kind: "wechat", URL: srv.URL + "/wx", AppID: "wxbench", Key: k}))
	agg := &analytics.Aggregator{Store: st}
	actx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { _ = agg.Run(actx); close(done) }()
	defer func() { cancel(); <-done }()
	e := &qr.Engine{Store: st.QR(), Merchants: st, Settings: st, Wait: 5 * time.Second,
		Observer: qr.Observers{metrics.NewQR(metrics.New().Registry()), agg}}
	must(e.Start(ctx))
	var n atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			o, _, err := e.Create(ctx, qr.OrderInput{MerchantID: "898310048990001", OutOrderNo: fmt.Sprintf("B%d", i), Amount: 100,
				Mode: posguard.QRMicropay, AuthCode: fmt.Sprintf("13%016d", i), Hash: fmt.Sprint(i)})
			if err != nil || o.State != posguard.QRSucceeded {
				b.Fatalf("order %d: %v %+v", i, err, o)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "orders/s")
}
