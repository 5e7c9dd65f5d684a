package qr_test

import (
	"context"
	"fmt"
	"sync"
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
	benchQRStoreOrders(b, openSQLite(b, "s.db").QR(), false)
}

// BenchmarkQRStoreOrderAPI is BenchmarkQRStoreOrder with what the API
// adds to the same writes: the order's insert is conditional on the
// instance's known cache version (posguard.VersionCheck, confirmed by the
// insert) and the request's audit record commits with it.
func BenchmarkQRStoreOrderAPI(b *testing.B) {
	benchQRStoreOrders(b, openSQLite(b, "s.db").QR(), true)
}

// benchQRStoreOrders makes b.N micropay orders paid at once through qs,
// 32 at once per CPU, as the API's requests when api is set, and reports
// the process's CPU per order.
func benchQRStoreOrders(b *testing.B, qs posguard.QRStore, api bool) {
	ctx := context.Background()
	var version int64
	if api {
		v, err := qs.(posguard.CacheVersions).CacheVersion(ctx)
		if err != nil {
			b.Fatal(err)
		}
		version = v
	}
	var n atomic.Int64
	cpu0 := processCPU()
	b.SetParallelism(32) // 32 concurrent orders per CPU, as the bench's clients
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			now := time.Now()
			octx, a := ctx, (*benchAuditor)(nil)
			if api {
				a = &benchAuditor{name: fmt.Sprintf("Q%d", i)}
				octx = posguard.WithTxAuditor(posguard.WithVersionCheck(ctx, &posguard.VersionCheck{Version: version}), a)
			}
			o, created, err := qs.CreateQROrderWithin(octx, &posguard.QROrder{MerchantID: "898310048990001",
				OutOrderNo: fmt.Sprintf("B%d-%d", i%32, i), RequestHash: "h", Mode: posguard.QRMicropay, Channel: "wechat",
				ChannelName: "wx", Amount: 100, State: posguard.QRPaying, AuthCode: fmt.Sprintf("13%016d", i),
				Deadline: now.Add(time.Minute), Task: posguard.QRTaskQuery, NextAttempt: now.Add(15 * time.Second)},
				"PGbench1", posguard.QRDailyLimit{})
			if err != nil || !created {
				b.Fatalf("order %d: %v", i, err)
			}
			none, empty := posguard.QRTaskNone, ""
			got, err := qs.UpdateQROrder(octx, posguard.QROrderUpdate{ID: o.ID, From: posguard.QRPaying, State: posguard.QRSucceeded,
				TransactionID: fmt.Sprintf("T%020d", i), PaidAt: now, Task: &none, LastError: &empty, Notify: true, Known: known(o)})
			if err != nil || got.State != posguard.QRSucceeded || got.OutTradeNo != o.OutTradeNo {
				b.Fatalf("order %d: %v %+v", i, err, got)
			}
			if a != nil && a.committed() != 1 {
				b.Fatalf("order %d: %d audit records committed, want 1", i, a.committed())
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/float64(b.N), "cpu-us/order")
}

// benchAuditor is an API request's audit record: one due until it
// commits with the request's first write.
type benchAuditor struct {
	name string
	mu   sync.Mutex
	done int
}

func (a *benchAuditor) TxRecord() *posguard.AuditRecord {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.done > 0 {
		return nil
	}
	return &posguard.AuditRecord{User: "bench-erp", Role: posguard.RoleMerchant, Remote: "127.0.0.1:50316",
		Action: "POST /v1/qr/orders", Object: a.name, Outcome: "ok",
		Changes: `{"after":{"amount":100,"id":"` + a.name + `","out_order_no":"B2-637","state":"paying"},"before":null}`}
}

func (a *benchAuditor) TxCommitted(*posguard.AuditRecord) {
	a.mu.Lock()
	a.done++
	a.mu.Unlock()
}

func (a *benchAuditor) AuditNote(any) {}

func (a *benchAuditor) committed() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.done
}

// known is the order the engine passes with its outcome (QROrderUpdate.Known).
func known(o *posguard.QROrder) *posguard.QROrder { return o }
