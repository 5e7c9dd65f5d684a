package qr_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/qr"
	"github.com/posguard/posguard/sqlite"
)

const benchKey = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

// BenchmarkQRMicropay measures micropay orders paid at once, end to end in
// one process: the order journaled in SQLite before the call, the signed
// call to simwallet over real HTTP (loopback), the signed answer verified,
// the outcome and its merchant notification committed. Run with
// go test ./qr -run X -bench QRMicropay -benchtime 5s -cpu 1,8 (docs/benchmarks.md).
func BenchmarkQRMicropay(b *testing.B) {
	ctx := context.Background()
	st := micropayBenchStore(b)
	must := func(err error) {
		if err != nil {
			b.Fatal(err)
		}
	}
	e := &qr.Engine{Store: st.QR(), Merchants: st, Settings: st, Wait: 5 * time.Second}
	must(e.Start(ctx))
	cpu0 := processCPU()
	payMicropay(ctx, b, e)
	b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/float64(b.N), "cpu-us/order")
}

// micropayBenchStore is what the micropay benchmarks share: simwallet over
// real HTTP (loopback) with one payer who always pays, and a SQLite store
// that knows the merchant and the wallet channel; both closed when the
// benchmark ends.
func micropayBenchStore(b *testing.B) *sqlite.Store {
	ctx := context.Background()
	_, url := startSim(b, `
wallet_channels:
  - { name: "wx", kind: wechat, url: "http://127.0.0.1:1/wx", app_id: "wxbench", key: "`+benchKey+`" }
merchants:
  - { id: "898310048990001", wallet: { mch_id: "1900000101" } }
payers:
  - { code: "13", channel: "wx", balance: 1000000000000, behavior: ok }
`)
	st := openSQLite(b, "b.db")
	putShop(ctx, b, st, &posguard.Merchant{ID: "898310048990001", Name: "bench", MCC: "5411", Status: posguard.MerchantActive}, "1900000101")
	putWX(ctx, b, st, url, "wxbench")
	return st
}

// payMicropay pays b.N micropay orders through e from every CPU at once,
// each one required to succeed, and reports orders/s.
func payMicropay(ctx context.Context, b *testing.B, e *qr.Engine) {
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

// processCPU is the process's user and system CPU time so far (the
// engine, SQLite and the in-process simwallet together).
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
