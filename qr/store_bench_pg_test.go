package qr_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/postgres"
	"github.com/posguard/posguard/postgres/pgtest"
	"github.com/posguard/posguard/storetest"
)

// BenchmarkQRStoreOrderPostgres is BenchmarkQRStoreOrder on PostgreSQL
// (TEST_DATABASE_URL, a fresh schema): a micropay order journaled and its
// success recorded, 32 at once per CPU through the group commit. Besides
// the process's CPU per order it reports srv-us/order, the CPU (user and
// system, from /proc) of the server backends serving the store's
// connections, found by their application_name: the server must run on
// this machine. go test ./qr -run X -bench QRStoreOrderPostgres
// -benchtime 20000x (docs/benchmarks.md, "Round 11").
func BenchmarkQRStoreOrderPostgres(b *testing.B) {
	ctx := context.Background()
	if os.Getenv("TEST_DATABASE_URL") == "" {
		b.Skip("TEST_DATABASE_URL not set")
	}
	app := fmt.Sprintf("qrstorebench%d", time.Now().UnixNano())
	st, err := postgres.Open(ctx, pgtest.URL(b)+"&application_name="+app, storetest.NewSealer())
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	c, err := pgx.Connect(ctx, os.Getenv("TEST_DATABASE_URL"))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close(ctx)
	qs := st.QR()
	var n atomic.Int64
	srv0, cpu0 := backendTicks(b, c, app), processCPU()
	b.SetParallelism(32)
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
			if err != nil || got.State != posguard.QRSucceeded {
				b.Fatalf("order %d: %v %+v", i, err, got)
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/float64(b.N), "cpu-us/order")
	b.ReportMetric(float64(backendTicks(b, c, app)-srv0)*10000/float64(b.N), "srv-us/order")
}

// backendTicks sums the CPU ticks (1/100 s) of the server backends whose
// application_name is app.
func backendTicks(b *testing.B, c *pgx.Conn, app string) int64 {
	rows, err := c.Query(context.Background(), `SELECT pid FROM pg_stat_activity WHERE application_name = $1`, app)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	var tot int64
	for rows.Next() {
		var pid int
		if err := rows.Scan(&pid); err != nil {
			b.Fatal(err)
		}
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		f := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+2:]))
		u, _ := strconv.ParseInt(f[11], 10, 64)
		s, _ := strconv.ParseInt(f[12], 10, 64)
		tot += u + s
	}
	return tot
}
