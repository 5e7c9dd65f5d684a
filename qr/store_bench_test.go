package qr_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/posguard/posguard"
)

// BenchmarkQRStoreOrder measures a micropay order's writes alone, as the
// engine makes them for an order paid at once: the paying order journaled
// (CreateQROrderWithin, no limit) and its success recorded (UpdateQROrder
// from paying), from every CPU at once through SQLite's group commit; no
// channel, no HTTP. Its cpu-us/order is the store's part of a QR order:
// go test ./qr -run X -bench QRStoreOrder -benchtime 20000x -count 5.
func BenchmarkQRStoreOrder(b *testing.B) {
	ctx := context.Background()
	st := openSQLite(b, "s.db")
	qs := st.QR()
	var n atomic.Int64
	cpu0 := processCPU()
	b.SetParallelism(32) // 32 concurrent orders per CPU, as the bench's clients
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			now := time.Now()
			o, created, err := qs.CreateQROrderWithin(ctx, &posguard.QROrder{MerchantID: "898310048990001",
				OutOrderNo: fmt.Sprintf("B%d-%d", i%32, i), RequestHash: "h", Mode: posguard.QRMicropay, Channel: "wechat",
				ChannelName: "wx", Amount: 100, State: posguard.QRPaying, AuthCode: fmt.Sprintf("13%016d", i),
				Deadline: now.Add(time.Minute), Task: posguard.QRTaskQuery, NextAttempt: now.Add(15 * time.Second)},
				"PGbench1", posguard.QRDailyLimit{})
			if err != nil || !created {
				b.Fatalf("order %d: %v", i, err)
			}
			none, empty := posguard.QRTaskNone, ""
			got, err := qs.UpdateQROrder(ctx, posguard.QROrderUpdate{ID: o.ID, From: posguard.QRPaying, State: posguard.QRSucceeded,
				TransactionID: fmt.Sprintf("T%020d", i), PaidAt: now, Task: &none, LastError: &empty, Notify: true, Known: known(o)})
			if err != nil || got.State != posguard.QRSucceeded || got.OutTradeNo != o.OutTradeNo {
				b.Fatalf("order %d: %v %+v", i, err, got)
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/float64(b.N), "cpu-us/order")
}

// known is the order the engine passes with its outcome (QROrderUpdate.Known).
func known(o *posguard.QROrder) *posguard.QROrder { return o }
