package ledger_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/ledger"
	"github.com/posguard/posguard/sqlite"
	"github.com/posguard/posguard/storetest"
)

// flatQR prices QR payments at 0.38 %, rounded half up.
type flatQR struct{}

func (flatQR) QRFee(_ context.Context, _ string, a posguard.Amount) (posguard.Amount, error) {
	return (a*38 + 5000) / 10000, nil
}

// TestQRPoster posts a paid QR order and its two refunds to a real store:
// once each, the fee returned pro rata, the whole ledger verifying, and the
// merchant owed nothing once everything is refunded.
func TestQRPoster(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "l.db"), storetest.NewSealer())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	q := st.QR()
	o, _, err := q.CreateQROrder(ctx, &posguard.QROrder{MerchantID: "M1", OutOrderNo: "A1", RequestHash: "h", Mode: posguard.QRMicropay,
		Amount: 10000, State: posguard.QRPaying, Task: posguard.QRTaskQuery, NextAttempt: time.Now()}, "PGT")
	if err != nil {
		t.Fatal(err)
	}
	none := posguard.QRTaskNone
	if _, err := q.UpdateQROrder(ctx, posguard.QROrderUpdate{ID: o.ID, State: posguard.QRSucceeded, PaidAt: time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC), Task: &none}); err != nil {
		t.Fatal(err)
	}
	p := &ledger.QRPoster{QR: q, Ledger: st.Money(), Pricer: flatQR{}, Date: posguard.Calendar{}.SettlementDate}
	if n, err := p.Drain(ctx); err != nil || n != 1 {
		t.Fatalf("drain: %d %v", n, err)
	}
	for _, amt := range []posguard.Amount{3333, 6667} {
		r, _, err := q.CreateQRRefund(ctx, &posguard.QRRefund{OrderID: o.ID, OutRefundNo: "RF" + amt.String(), Amount: amt, RequestHash: "r"}, "PRT")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := q.UpdateQRRefund(ctx, posguard.QRRefundUpdate{ID: r.ID, State: posguard.QRRefundSucceeded, Task: &none}); err != nil {
			t.Fatal(err)
		}
		if n, err := p.Drain(ctx); err != nil || n != 1 {
			t.Fatalf("drain refund: %d %v", n, err)
		}
	}
	if n, err := p.Drain(ctx); err != nil || n != 0 {
		t.Fatalf("drain again: %d %v", n, err)
	}
	ps, err := st.Money().PostingsByRef(ctx, "Q1")
	if err != nil || len(ps) != 3 {
		t.Fatalf("postings: %d %v", len(ps), err)
	}
	if ps[0].Fee != 38 || ps[0].Net != 9962 || ps[1].Fee != -13 || ps[2].Fee != -25 || ps[0].Date != "2026-03-01" {
		t.Fatalf("fees: %+v / %+v / %+v", ps[0], ps[1], ps[2])
	}
	if _, err := ledger.Verify(ctx, st.Money()); err != nil {
		t.Fatal(err)
	}
	bs, err := st.Money().Balances(ctx, posguard.BalanceFilter{MerchantID: "M1"})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bs {
		if b.Amount != 0 {
			t.Fatalf("merchant balance after full refund: %+v", bs)
		}
	}
}

// countingQR counts the poster's reads of the unposted queue.
type countingQR struct {
	posguard.QRStore
	reads int
}

func (c *countingQR) UnpostedQR(ctx context.Context, limit int) ([]*posguard.QROrder, []*posguard.QRRefund, error) {
	c.reads++
	return c.QRStore.UnpostedQR(ctx, limit)
}

// TestQRPosterBatches checks that Drain posts a queue longer than its batch
// in full batches and stops after the first partial one instead of reading
// the queue again (under load that second read chased each new order in
// batches of a few).
func TestQRPosterBatches(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "l.db"), storetest.NewSealer())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	q := st.QR()
	none := posguard.QRTaskNone
	for i := range 5 {
		o, _, err := q.CreateQROrder(ctx, &posguard.QROrder{MerchantID: "M1", OutOrderNo: "B" + posguard.Amount(i).String(), RequestHash: "h",
			Mode: posguard.QRMicropay, Amount: 1000, State: posguard.QRPaying, Task: posguard.QRTaskQuery, NextAttempt: time.Now()}, "PGT")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := q.UpdateQROrder(ctx, posguard.QROrderUpdate{ID: o.ID, State: posguard.QRSucceeded, PaidAt: time.Now(), Task: &none}); err != nil {
			t.Fatal(err)
		}
	}
	c := &countingQR{QRStore: q}
	p := &ledger.QRPoster{QR: c, Ledger: st.Money(), Pricer: flatQR{}, Date: posguard.Calendar{}.SettlementDate, Batch: 2}
	if n, err := p.Drain(ctx); err != nil || n != 5 {
		t.Fatalf("drain: %d %v", n, err)
	}
	if c.reads != 3 {
		t.Fatalf("queue read %d times for 5 orders in batches of 2, want 3 (2 full, 1 partial)", c.reads)
	}
	if n, err := p.Drain(ctx); err != nil || n != 0 {
		t.Fatalf("drain again: %d %v", n, err)
	}
}
