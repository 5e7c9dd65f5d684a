package qr_test

import (
	"context"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/analytics"
	"github.com/posguard/posguard/metrics"
	"github.com/posguard/posguard/qr"
	"github.com/posguard/posguard/sqlite"
	"github.com/posguard/posguard/storetest"
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
	st := micropayBenchStore(b)
	agg := &analytics.Aggregator{Store: st}
	actx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { _ = agg.Run(actx); close(done) }()
	defer func() { cancel(); <-done }()
	e := &qr.Engine{Store: st.QR(), Merchants: st, Settings: st, Wait: 5 * time.Second,
		Observer: qr.Observers{metrics.NewQR(metrics.New().Registry()), agg}}
	if err := e.Start(ctx); err != nil {
		b.Fatal(err)
	}
	payMicropay(ctx, b, e)
}
