package recon_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/posguard/posguard/recon"
	"github.com/posguard/posguard/wallet"
)

// benchQRRows is the size of BenchmarkReconQRBill: POSGUARD_BENCH_QR_ROWS
// (100000 for the figure in docs/benchmarks.md: about 12 MB of CSV, near
// the 16 MiB a channel's /bill answer may hold), 20,000 by default.
func benchQRRows() int {
	if v, err := strconv.Atoi(os.Getenv("POSGUARD_BENCH_QR_ROWS")); err == nil && v > 0 {
		return v
	}
	return 20_000
}

// BenchmarkReconQRBill reconciles one wallet channel's day bill of n rows
// (n succeeded orders of one merchant, one PAY row each, every tenth also
// refunded in part) against the QR journal on SQLite, beside an empty
// clearing file: read and check the bill (a file, streamed), read the
// orders paid that day and those the bill names, their refunds, match and
// report. Every row matches, so no repair runs. The orders are written
// straight into the database and the bill files before the timer starts.
// peak-heap-MiB is the largest heap seen during the run; run-heap-MiB is
// that less the heap just before it (the store and the test's fixtures).
func BenchmarkReconQRBill(b *testing.B) {
	n := benchQRRows()
	dir := b.TempDir()
	st, db := openBenchSQLite(b, dir)
	defer st.Close()
	rows := fillQR(b, db, n)
	db.Close()
	nrows := len(rows)
	// One bill file per iteration (one row's time moves: new bytes, a new
	// run each time).
	paths := make([]string, b.N)
	for i := range paths {
		rows[0].TradeTime = time.Date(2026, 11, 23, 0, 0, i%60, 0, time.FixedZone("", 8*3600)).Format(time.RFC3339)
		paths[i] = filepath.Join(dir, fmt.Sprintf("bill%d", i), recon.QRBillName("2026-11-23", "wx", qrMch))
		if err := os.MkdirAll(filepath.Dir(paths[i]), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(paths[i], []byte(wallet.FormatBill(rows)), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	rows = nil
	rc := &recon.Reconciler{Store: st.Recon(), Money: st.Money(), Cases: st, Journal: st, Acquirer: "48021000",
		QR: &channelsStandIn{}, QRStore: st.ReconQR()}
	ctx := context.Background()
	var peak, above atomic.Uint64
	var cpu time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		path := paths[i]
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		var p atomic.Uint64
		stop := sampleHeap(&p)
		before := cpuTime()
		b.StartTimer()
		rep, created, err := rc.Run(ctx, recon.Input{Date: "2026-11-23", ClearingName: "IND26112301ACOM", Clearing: bytes.NewReader(nil),
			QRBills: []recon.QRBill{{Name: path, Open: func() (io.ReadCloser, error) { return os.Open(path) }}}})
		b.StopTimer()
		cpu += cpuTime() - before
		stop()
		if err != nil {
			b.Fatal(err)
		}
		if !created || rep.QRMatched != nrows || len(rep.Exceptions) != 0 {
			b.Fatalf("run: created %v, %d rows, %d matched, %d exceptions", created, rep.QRLines, rep.QRMatched, len(rep.Exceptions))
		}
		if p.Load() > peak.Load() {
			peak.Store(p.Load())
		}
		if d := p.Load() - min(p.Load(), ms.HeapAlloc); d > above.Load() {
			above.Store(d)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(nrows), "rows")
	b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(above.Load())/(1<<20), "run-heap-MiB")
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
}

// fillQR writes n succeeded orders of merchant at channel wx paid on
// 2026-11-23 (every tenth with a succeeded refund of 100 fen) in one
// transaction, and returns the bill that matches them.
func fillQR(b *testing.B, db *sql.DB, n int) []wallet.BillRow {
	tx, err := db.Begin()
	if err != nil {
		b.Fatal(err)
	}
	ord, err := tx.Prepare(`INSERT INTO qr_orders (id, merchant_id, out_order_no, request_hash, mode, channel, channel_name, amount, state,
		out_trade_no, transaction_id, paid_at, refunded_amount, created_at, updated_at)
		VALUES (?, ?, ?, 'h', 'micropay', 'wechat', 'wx', ?, 'succeeded', ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		b.Fatal(err)
	}
	ref, err := tx.Prepare(`INSERT INTO qr_refunds (id, order_id, merchant_id, out_refund_no, refund_no, request_hash, amount, state,
		refund_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'h', 100, 'succeeded', ?, ?, ?)`)
	if err != nil {
		b.Fatal(err)
	}
	zone := time.FixedZone("", 8*3600)
	start := time.Date(2026, 11, 23, 0, 0, 0, 0, zone)
	var rows []wallet.BillRow
	for i := 1; i <= n; i++ {
		at := start.Add(time.Duration(int64(20*time.Hour) / int64(n) * int64(i))) // spread over the day
		no := fmt.Sprintf("PGBENCH%012d", i)
		amt := int64(100 + i%50000)
		refunded := int64(0)
		if i%10 == 0 {
			refunded = 100
		}
		ns := at.UnixNano()
		if _, err := ord.Exec(i, merchant, fmt.Sprintf("B%d", i), amt, no, "T"+no, ns, refunded, ns, ns); err != nil {
			b.Fatal(err)
		}
		rows = append(rows, wallet.BillRow{TradeTime: at.Format(time.RFC3339), AppID: qrApp, MchID: qrMch, OutTradeNo: no,
			TransactionID: "T" + no, TradeType: wallet.TradeMicropay, Type: wallet.BillPay, Amount: amt})
		if refunded > 0 {
			rno := fmt.Sprintf("PRBENCH%012d", i)
			if _, err := ref.Exec(i, i, merchant, "RF"+strconv.Itoa(i), rno, "RID"+rno, ns, ns); err != nil {
				b.Fatal(err)
			}
			rows = append(rows, wallet.BillRow{TradeTime: at.Format(time.RFC3339), AppID: qrApp, MchID: qrMch, OutTradeNo: no,
				TransactionID: "T" + no, TradeType: wallet.TradeMicropay, Type: wallet.BillRefund, Amount: 100,
				OutRefundNo: rno, RefundID: "RID" + rno})
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	return rows
}
