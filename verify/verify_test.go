package verify_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/keys"
	"github.com/posguard/posguard/sqlite"
	"github.com/posguard/posguard/verify"
)

func openStore(t *testing.T) *sqlite.Store {
	t.Helper()
	hk, err := keys.ParseHostKey("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "v.db"), hk)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// journal writes transactions through the store's own interface.
type journal struct {
	t    *testing.T
	st   *sqlite.Store
	stan int
}

func (j *journal) add(typ posguard.TxnType, st posguard.State, code, reason string, orig int64) *posguard.Transaction {
	j.t.Helper()
	j.stan++
	mti := "0200"
	if typ == posguard.TxnReversal {
		mti = "0400"
	}
	txn := &posguard.Transaction{
		TxnKey: posguard.TxnKey{TerminalID: "10000001", Batch: "000001", STAN: fmt.Sprintf("%06d", j.stan), MTI: mti},
		Type:   typ, MerchantID: "898310048990001", Amount: 1000, Currency: "156",
		SettlementDate: "2026-11-20", State: st, ResponseCode: code, Reason: reason, OrigID: orig,
	}
	if err := j.st.Insert(context.Background(), txn); err != nil {
		j.t.Fatal(err)
	}
	return txn
}

func check(t *testing.T, st *sqlite.Store, opt verify.Options) *verify.Report {
	t.Helper()
	var r verify.Report
	if err := verify.Ledger(context.Background(), st.Money(), &r); err != nil {
		t.Fatal(err)
	}
	if err := verify.Journal(context.Background(), st, opt, &r); err != nil {
		t.Fatal(err)
	}
	return &r
}

func wantBreaks(t *testing.T, r *verify.Report, want ...string) {
	t.Helper()
	if len(r.Breaks) != len(want) {
		t.Fatalf("%d breaks %v, want %d %q", len(r.Breaks), r.Breaks, len(want), want)
	}
	for i, w := range want {
		if got := r.Breaks[i].String(); !strings.Contains(got, w) {
			t.Errorf("break %d: %q, want it to contain %q", i, got, w)
		}
	}
}

func TestCleanJournal(t *testing.T) {
	st := openStore(t)
	j := &journal{t: t, st: st}
	j.add(posguard.TxnSale, posguard.StateApproved, "00", posguard.ReasonApproved, 0)
	j.add(posguard.TxnSale, posguard.StateRejected, "61", posguard.ReasonLimitPerTxn, 0)
	j.add(posguard.TxnSale, posguard.StateDeclined, "51", posguard.IssuerReason("51"), 0)
	timedOut := j.add(posguard.TxnSale, posguard.StateForwarded, "", "", 0)
	err := st.Update(context.Background(), posguard.TxnUpdate{ID: timedOut.ID, State: posguard.StateReversalPending,
		ResponseCode: "98", Reason: posguard.ReasonNetworkTimeout, QueueReversal: &posguard.Reversal{Reason: posguard.ReasonNetworkTimeout}, At: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	j.add(posguard.TxnReversal, posguard.StateCompleted, "00", posguard.ReasonReversalAlready, timedOut.ID)
	r := check(t, st, verify.Options{})
	wantBreaks(t, r)
	if r.Transactions != 5 || r.PendingReversals != 1 || !r.OK() {
		t.Fatalf("report %+v", r)
	}
}

func TestJournalBreaksAreNamed(t *testing.T) {
	st := openStore(t)
	j := &journal{t: t, st: st}
	noReason := j.add(posguard.TxnSale, posguard.StateRejected, "96", "", 0)
	unknown := j.add(posguard.TxnSale, posguard.StateDeclined, "05", "made.up", 0)
	wrongCode := j.add(posguard.TxnSale, posguard.StateRejected, "96", posguard.ReasonMerchantFrozen, 0)
	left := j.add(posguard.TxnSale, posguard.StateForwarded, "", "", 0)
	noReversal := j.add(posguard.TxnSale, posguard.StateReversalPending, "98", posguard.ReasonNetworkTimeout, 0)
	approved := j.add(posguard.TxnSale, posguard.StateApproved, "00", posguard.ReasonApproved, 0)
	rev := j.add(posguard.TxnReversal, posguard.StateCompleted, "00", posguard.ReasonReversalQueued, approved.ID)

	r := check(t, st, verify.Options{})
	// Newest first, as the journal is read.
	wantBreaks(t, r,
		fmt.Sprintf("terminal reversal %d (reversal.queued): its original %d is approved", rev.ID, approved.ID),
		fmt.Sprintf("transaction %d: reversal_pending but no reversal of it is pending", noReversal.ID),
		fmt.Sprintf("transaction %d: left forwarded since", left.ID),
		fmt.Sprintf("transaction %d: rejected with reason merchant.frozen (code 03) but answered \"96\"", wrongCode.ID),
		fmt.Sprintf("transaction %d: declined with reason \"made.up\", which the knowledge base does not explain", unknown.ID),
		fmt.Sprintf("transaction %d: rejected without a reason", noReason.ID),
	)

	// Within the grace period a forwarded transaction is a request in flight.
	r = check(t, st, verify.Options{Grace: time.Hour})
	for _, b := range r.Breaks {
		if strings.Contains(b.What, "left forwarded") {
			t.Fatalf("in flight within the grace period counted: %s", b)
		}
	}
}

// TestEveryAckedReversalIsChecked acknowledges more reversals than one page
// holds (the page made small) and breaks the oldest one, which the newest
// pages do not reach: the check pages through the whole queue and names it.
func TestEveryAckedReversalIsChecked(t *testing.T) {
	defer verify.SetQueuePage(3)()
	st := openStore(t)
	j := &journal{t: t, st: st}
	ctx := context.Background()
	var txns []*posguard.Transaction
	for range 8 {
		txn := j.add(posguard.TxnSale, posguard.StateForwarded, "", "", 0)
		err := st.Update(ctx, posguard.TxnUpdate{ID: txn.ID, State: posguard.StateReversalPending, ResponseCode: "98",
			Reason: posguard.ReasonNetworkTimeout, QueueReversal: &posguard.Reversal{Reason: posguard.ReasonNetworkTimeout}, At: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		txns = append(txns, txn)
	}
	var revs []*posguard.Reversal
	for _, txn := range txns {
		rv, err := st.PendingReversalFor(ctx, txn.ID)
		if err != nil {
			t.Fatal(err)
		}
		revs = append(revs, rv)
	}
	// The last one stays pending; the others are acknowledged, the oldest
	// (read last) without its transaction becoming reversed.
	for i, rv := range revs[:7] {
		u := posguard.TxnUpdate{ID: rv.TxnID, State: posguard.StateReversed, ResponseCode: "98", Reason: posguard.ReasonNetworkTimeout, At: time.Now()}
		if i == 0 {
			u.State = posguard.StateReversalFailed
		}
		if err := st.CompleteReversal(ctx, rv.ID, u); err != nil {
			t.Fatal(err)
		}
	}
	r := check(t, st, verify.Options{})
	wantBreaks(t, r,
		fmt.Sprintf("transaction %d: reversal_failed but no reversal of it is pending", txns[0].ID),
		fmt.Sprintf("reversal %d (done): its transaction %d is reversal_failed", revs[0].ID, txns[0].ID))
	if r.PendingReversals != 1 {
		t.Fatalf("pending reversals %d, want 1", r.PendingReversals)
	}
}
