package recon_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/recon"
	"github.com/posguard/posguard/recon/clearing"
	"github.com/posguard/posguard/sqlite"
	"github.com/posguard/posguard/storetest"
)

const (
	day      = "2026-11-23"
	merchant = "898310048990001"
	terminal = "10000011"
	card     = "6225880000001017"
)

type fixture struct {
	t   *testing.T
	st  *sqlite.Store
	rc  *recon.Reconciler
	seq int
}

func newFixture(t *testing.T) *fixture {
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "p.db"), storetest.NewSealer())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := time.Date(2026, 11, 24, 2, 0, 0, 0, time.UTC)
	rc := &recon.Reconciler{Store: st.Recon(), Money: st.Money(), Cases: st, Journal: st, Acquirer: "48021000",
		Now: func() time.Time { return now }, Audit: st.Access()}
	return &fixture{t: t, st: st, rc: rc}
}

// txn journals a transaction of date with a fresh key.
func (f *fixture) txn(date string, typ posguard.TxnType, state posguard.State, amt posguard.Amount, orig int64) *posguard.Transaction {
	f.t.Helper()
	f.seq++
	stan := fmt.Sprintf("%06d", f.seq)
	tx := &posguard.Transaction{
		TxnKey: posguard.TxnKey{TerminalID: terminal, Batch: "000001", STAN: stan, MTI: typ.UpstreamMTI()},
		Type:   typ, MerchantID: merchant, PANMasked: posguard.MaskPAN(card), Amount: amt, Currency: "156",
		SettlementDate: date, RRN: "3327100" + stan[1:], State: state, OrigID: orig,
		UpstreamSTAN: stan, UpstreamTime: date[5:7] + date[8:10] + "02" + stan[2:], ContentHash: stan,
	}
	if err := f.st.Insert(context.Background(), tx); err != nil {
		f.t.Fatal(err)
	}
	return tx
}

// line is the clearing line of tx as the network would write it.
func line(tx *posguard.Transaction, kind clearing.Kind) clearing.Line {
	return clearing.Line{Acquirer: "48021000", Trace: tx.UpstreamSTAN, Transmitted: tx.UpstreamTime, Amount: tx.Amount,
		Kind: kind, MCC: "5411", Terminal: tx.TerminalID, Merchant: tx.MerchantID, RRN: tx.RRN, EntryMode: "021"}
}

func file(t *testing.T, lines ...clearing.Line) []byte {
	var out []byte
	var err error
	for i := range lines {
		if out, err = clearing.AppendRecord(out, &lines[i], card); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func (f *fixture) run(date string, data []byte) (*recon.Report, bool) {
	f.t.Helper()
	rep, created, err := f.rc.Run(context.Background(), recon.Input{Date: date, ClearingName: clearing.ClearingFileName(date),
		Clearing: bytes.NewReader(data)})
	if err != nil {
		f.t.Fatal(err)
	}
	return rep, created
}

func classes(r *recon.Report) string {
	var out []string
	for _, e := range r.Exceptions {
		out = append(out, e.Class+":"+e.Status+":"+e.Action)
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

func held(t *testing.T, st *sqlite.Store) posguard.Amount {
	bs, err := st.Money().Balances(context.Background(), posguard.BalanceFilter{MerchantID: merchant})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bs {
		if b.Account.Kind() == posguard.AccountHeld {
			return -b.Amount
		}
	}
	return 0
}

func TestRunFindsEveryClass(t *testing.T) {
	f := newFixture(t)
	prev := "2026-11-22"
	ok := f.txn(day, posguard.TxnSale, posguard.StateApproved, 1000, 0)
	amt := f.txn(day, posguard.TxnSale, posguard.StateApproved, 2000, 0)
	dropped := f.txn(day, posguard.TxnSale, posguard.StateApproved, 3000, 0)
	reversed := f.txn(day, posguard.TxnSale, posguard.StateReversed, 4000, 0)
	dup := f.txn(day, posguard.TxnSale, posguard.StateApproved, 5000, 0)
	void := f.txn(day, posguard.TxnVoid, posguard.StateApproved, 1000, ok.ID)
	late := f.txn(prev, posguard.TxnSale, posguard.StateApproved, 7000, 0)
	f.txn(day, posguard.TxnSale, posguard.StateDeclined, 8000, 0) // not cleared, not an exception

	amtLine := line(amt, clearing.KindSale)
	amtLine.Amount += 100
	unknown := line(ok, clearing.KindSale)
	unknown.RRN, unknown.Trace = "999999999999", "999999"
	voidAsSale := line(void, clearing.KindSale)
	voidLine := line(void, clearing.KindVoid)
	voidLine.OrigTrace, voidLine.OrigTime = ok.UpstreamSTAN, ok.UpstreamTime
	data := file(t, line(ok, clearing.KindSale), amtLine, line(reversed, clearing.KindSale), line(dup, clearing.KindSale),
		line(dup, clearing.KindSale), voidAsSale, unknown, line(late, clearing.KindSale))
	rep, created := f.run(day, data)
	if !created {
		t.Fatal("first run not created")
	}
	want := "amount_mismatch:open:hold duplicate:repair_pending:credit_cardholder journal_only:awaiting:hold " +
		"network_only:open:investigate network_only:repair_pending:credit_cardholder state_mismatch:open:hold"
	if got := classes(rep); got != want {
		t.Fatalf("exceptions:\n%s\nwant\n%s", got, want)
	}
	if rep.Lines != 8 || rep.Matched != 3 {
		t.Errorf("lines %d matched %d, want 8 and 3 (ok, dup, late)", rep.Lines, rep.Matched)
	}
	if len(rep.Notes) != 1 || rep.Notes[0].Class != "late_line" || rep.Notes[0].Date != prev {
		t.Errorf("notes %+v", rep.Notes)
	}
	for _, e := range rep.Exceptions {
		if e.Class == posguard.ReconJournalOnly && (*e.TransactionID != fmt.Sprint(dropped.ID) || e.Line != nil || e.CaseID != nil) {
			t.Errorf("journal_only %+v", e)
		}
		if e.Status != posguard.ReconAwaiting && e.CaseID == nil {
			t.Errorf("%s without a case", e.Class)
		}
	}
	// Holds: the amount and state mismatches and the awaiting journal_only.
	if h := held(t, f.st); h != 2000+1000+3000 {
		t.Errorf("held %d, want %d", h, 6000)
	}
	// Two credit adjustments queued (the reversed sale, the duplicate).
	adj, _ := f.st.List(context.Background(), posguard.TxnFilter{State: posguard.StateReceived})
	if len(adj) != 2 || adj[0].Type != posguard.TxnCreditAdjustment {
		t.Fatalf("adjustments %d", len(adj))
	}

	// The run and its repairs are audited.
	recs, err := f.st.Access().AuditRecords(context.Background(), posguard.AuditFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	actions := map[string]int{}
	for _, r := range recs {
		actions[r.Action]++
	}
	if actions["recon_run"] != 1 || actions["recon_hold"] != 3 || actions["recon_credit_adjustment"] != 2 {
		t.Errorf("audit: %v", actions)
	}

	// The same bytes again: the stored run, nothing new.
	again, created := f.run(day, data)
	if created || again.RunID != rep.RunID || classes(again) != want {
		t.Fatalf("re-run: created %v id %s/%s %s", created, again.RunID, rep.RunID, classes(again))
	}
	if h := held(t, f.st); h != 6000 {
		t.Errorf("held %d after re-run", h)
	}
	if adj, _ := f.st.List(context.Background(), posguard.TxnFilter{State: posguard.StateReceived}); len(adj) != 2 {
		t.Errorf("re-run queued %d adjustments", len(adj))
	}

	// A corrected file: the amount and state mismatches are gone.
	data2 := file(t, line(ok, clearing.KindSale), line(amt, clearing.KindSale), line(reversed, clearing.KindSale), line(dup, clearing.KindSale),
		line(dup, clearing.KindSale), voidLine, unknown, line(late, clearing.KindSale))
	rep2, created := f.run(day, data2)
	if !created || rep2.RunID == rep.RunID {
		t.Fatal("corrected file did not make a new run")
	}
	want2 := "duplicate:repair_pending:credit_cardholder journal_only:awaiting:hold network_only:open:investigate network_only:repair_pending:credit_cardholder"
	if got := classes(rep2); got != want2 {
		t.Fatalf("corrected:\n%s\nwant\n%s", got, want2)
	}
	if h := held(t, f.st); h != 3000 {
		t.Errorf("held %d after the corrected file, want 3000", h)
	}
	old, err := f.rc.Report(context.Background(), rep.RunID)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range old.Exceptions {
		if (e.Class == posguard.ReconAmountMismatch || e.Class == posguard.ReconStateMismatch) && e.Status != posguard.ReconResolved {
			t.Errorf("superseded %s is %s", e.Class, e.Status)
		}
	}

	// The next date's file clears the dropped sale late: resolved, released.
	next := "2026-11-24"
	rep3, _ := f.run(next, file(t, line(dropped, clearing.KindSale)))
	if rep3.Matched != 1 || len(rep3.Exceptions) != 0 {
		t.Errorf("next date: matched %d, %s", rep3.Matched, classes(rep3))
	}
	rep2, _ = f.rc.Report(context.Background(), rep2.RunID)
	for _, e := range rep2.Exceptions {
		if e.Class == posguard.ReconJournalOnly && e.Status != posguard.ReconResolved {
			t.Errorf("late-cleared journal_only is %s", e.Status)
		}
	}
	if h := held(t, f.st); h != 0 {
		t.Errorf("held %d at the end, want 0", h)
	}
}

func TestJournalOnlyOpensWithNextRun(t *testing.T) {
	f := newFixture(t)
	f.txn(day, posguard.TxnSale, posguard.StateApproved, 3000, 0)
	rep, _ := f.run(day, nil)
	if classes(rep) != "journal_only:awaiting:hold" {
		t.Fatal(classes(rep))
	}
	f.run("2026-11-24", nil)
	rep, _ = f.rc.Report(context.Background(), rep.RunID)
	if classes(rep) != "journal_only:open:hold" || rep.Exceptions[0].CaseID == nil {
		t.Errorf("after the next run: %s case %v", classes(rep), rep.Exceptions[0].CaseID)
	}
	// A date whose next run exists is open at once.
	f.txn("2026-11-22", posguard.TxnSale, posguard.StateApproved, 3000, 0)
	rep, _ = f.run("2026-11-22", nil)
	if classes(rep) != "journal_only:open:hold" {
		t.Errorf("late file: %s", classes(rep))
	}
}

func TestBadFileRecordsNothing(t *testing.T) {
	f := newFixture(t)
	tx := f.txn(day, posguard.TxnSale, posguard.StateApproved, 3000, 0)
	data := file(t, line(tx, clearing.KindSale))
	data[70] = 'X'
	_, _, err := f.rc.Run(context.Background(), recon.Input{Date: day, ClearingName: "IND26112301ACOM", Clearing: bytes.NewReader(data)})
	if posguard.ErrorCode(err) != posguard.EINVALID || !strings.Contains(err.Error(), "IND26112301ACOM line 1, field 6 (amount)") {
		t.Fatalf("err %v", err)
	}
	if _, err := f.st.Recon().CurrentRun(context.Background(), day); posguard.ErrorCode(err) != posguard.ENOTFOUND {
		t.Errorf("a run was recorded: %v", err)
	}
	_, _, err = f.rc.Run(context.Background(), recon.Input{Date: "2026-11-24", ClearingName: "IND26112301ACOM", Clearing: bytes.NewReader(nil)})
	if posguard.ErrorCode(err) != posguard.EINVALID {
		t.Errorf("file of another date: %v", err)
	}
}
