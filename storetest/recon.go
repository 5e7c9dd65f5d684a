package storetest

import (
	"testing"
	"time"

	"github.com/posguard/posguard"
)

// ReconStorer is a store with a reconciliation side.
type ReconStorer interface {
	Recon() posguard.ReconStore
}

// runRecon runs the reconciliation store's checks.
func runRecon(t *testing.T, h *harness) {
	runGroups(t, h, func(t *testing.T, s posguard.Store) posguard.ReconStore { return sideOf[ReconStorer](t, s).Recon() },
		[]group[posguard.ReconStore]{
			{"Runs", testReconRuns},
			{"Exceptions", testReconExceptions},
			{"JournalSide", testReconJournal},
			{"LedgerNet", testReconLedgerNet},
		})
}

func testReconRuns(t *testing.T, _ posguard.Store, r posguard.ReconStore) {
	ctx := t.Context()
	at := time.Date(2026, 11, 24, 1, 0, 0, 0, time.UTC)
	a := &posguard.ReconRun{ID: "rr_A", Date: "2026-11-23", ClearingFile: "IND26112301ACOM", ClearingSHA: "s1",
		Report: []byte(`{"run_id":"rr_A"}`), Idents: []string{"x"}, CreatedAt: at}
	must(t, r.SaveRun(ctx, a, []*posguard.ReconException{{Ident: "x", Date: "2026-11-23", Class: "journal_only",
		Status: "awaiting", RunID: "rr_A", TxnID: 7, HoldAmount: 300, MerchantID: "M1", Body: []byte(`{}`)}}), "save run")
	wantCode(t, r.SaveRun(ctx, &posguard.ReconRun{ID: "rr_A2", Date: "2026-11-23", ClearingSHA: "s1", CreatedAt: at}, nil),
		posguard.ECONFLICT, "same files again")
	got, err := r.RunBySHA(ctx, "2026-11-23", "s1", "")
	must(t, err, "by sha")
	if got.ID != "rr_A" || string(got.Report) != `{"run_id":"rr_A"}` || len(got.Idents) != 1 || !got.CreatedAt.Equal(at) {
		t.Errorf("run %+v", got)
	}
	_, err = r.RunBySHA(ctx, "2026-11-23", "s1", "bank")
	wantCode(t, err, posguard.ENOTFOUND, "other bank file")
	b := &posguard.ReconRun{ID: "rr_B", Date: "2026-11-23", ClearingSHA: "s2", Report: []byte(`{}`), CreatedAt: at.Add(time.Minute)}
	must(t, r.SaveRun(ctx, b, nil), "save corrected run")
	cur, err := r.CurrentRun(ctx, "2026-11-23")
	must(t, err, "current")
	if cur.ID != "rr_B" {
		t.Errorf("current %s, want rr_B", cur.ID)
	}
	old, err := r.ReconRun(ctx, "rr_A")
	must(t, err, "run by id")
	if old.SupersededBy != "rr_B" {
		t.Errorf("superseded_by %q", old.SupersededBy)
	}
	_, err = r.ReconRun(ctx, "rr_none")
	wantCode(t, err, posguard.ENOTFOUND, "unknown run")
	_, err = r.CurrentRun(ctx, "2026-11-24")
	wantCode(t, err, posguard.ENOTFOUND, "date without run")
	must(t, r.SaveRun(ctx, &posguard.ReconRun{ID: "rr_C", Date: "2026-11-24", ClearingSHA: "s3", Report: []byte(`{}`),
		CreatedAt: at.Add(2 * time.Minute)}, nil), "save other date")
	all, err := r.ReconRuns(ctx, "", "", 2)
	must(t, err, "list")
	if len(all) != 2 || all[0].ID != "rr_C" || all[1].ID != "rr_B" {
		t.Fatalf("page 1: %d", len(all))
	}
	rest, err := r.ReconRuns(ctx, "", all[1].ID, 2)
	must(t, err, "list page 2")
	if len(rest) != 1 || rest[0].ID != "rr_A" {
		t.Errorf("page 2: %d", len(rest))
	}
	byDate, err := r.ReconRuns(ctx, "2026-11-24", "", 10)
	must(t, err, "list by date")
	if len(byDate) != 1 {
		t.Errorf("by date: %d", len(byDate))
	}
	// A clock that stands still: each run is still created after the
	// latest, to the precision every database keeps, and read back in UTC.
	for _, id := range []string{"rr_D", "rr_E"} {
		must(t, r.SaveRun(ctx, &posguard.ReconRun{ID: id, Date: "2026-11-25", ClearingSHA: id, Report: []byte(`{}`),
			CreatedAt: at}, nil), "save "+id)
	}
	still, err := r.ReconRuns(ctx, "2026-11-25", "", 10)
	must(t, err, "list still clock")
	if len(still) != 2 || still[0].ID != "rr_E" || !still[0].CreatedAt.After(still[1].CreatedAt) ||
		!still[1].CreatedAt.After(all[0].CreatedAt) {
		t.Fatalf("runs of a clock standing still: %+v", still)
	}
	wantTime(t, all[0].CreatedAt, at.Add(2*time.Minute), "created_at of rr_C")
}

func testReconExceptions(t *testing.T, _ posguard.Store, r posguard.ReconStore) {
	ctx := t.Context()
	e := &posguard.ReconException{Ident: "d|amount_mismatch|k", Date: "2026-11-23", Class: "amount_mismatch", Status: "open",
		RunID: "rr_A", TxnID: 5, MerchantID: "M1", HoldAmount: 100, CaseID: 9, Body: []byte(`{"a":1}`)}
	must(t, r.PutExceptions(ctx, []*posguard.ReconException{e,
		{Ident: "d|bank_only|P1", Date: "2026-11-23", Class: "bank_only", Status: "open", PayoutID: "P1", Body: []byte(`{}`)},
		{Ident: "e|journal_only|k", Date: "2026-11-24", Class: "journal_only", Status: "awaiting", TxnID: 6, Body: []byte(`{}`)}}), "put")
	e.Status, e.HoldAmount, e.RepairTxnID = "resolved", 0, 11
	must(t, r.PutExceptions(ctx, []*posguard.ReconException{e}), "update")
	m, err := r.ExceptionsByIdent(ctx, []string{"d|amount_mismatch|k", "nope"})
	must(t, err, "by ident")
	got := m["d|amount_mismatch|k"]
	if len(m) != 1 || got.Status != "resolved" || got.HoldAmount != 0 || got.RepairTxnID != 11 || got.CaseID != 9 || string(got.Body) != `{"a":1}` {
		t.Errorf("exception %+v", got)
	}
	if got.UpdatedAt.IsZero() {
		t.Errorf("exception updated_at unset")
	}
	wantTime(t, got.UpdatedAt, e.UpdatedAt, "exception updated_at")
	for _, c := range []struct {
		f    posguard.ReconFilter
		want int
	}{
		{posguard.ReconFilter{Date: "2026-11-23"}, 2},
		{posguard.ReconFilter{Class: "journal_only"}, 1},
		{posguard.ReconFilter{Status: "open"}, 1},
		{posguard.ReconFilter{TxnID: 5}, 1},
		{posguard.ReconFilter{After: "d|bank_only|P1"}, 1},
		{posguard.ReconFilter{Limit: 1}, 1},
	} {
		exs, err := r.Exceptions(ctx, c.f)
		must(t, err, "list")
		if len(exs) != c.want {
			t.Errorf("%+v: %d, want %d", c.f, len(exs), c.want)
		}
	}
	must(t, r.MarkLate(ctx, 6, "2026-11-24", "2026-11-25", "rr_X"), "mark late")
	must(t, r.MarkLate(ctx, 6, "2026-11-24", "2026-11-25", "rr_Y"), "mark late again")
	late, err := r.LateMatched(ctx, "2026-11-24")
	must(t, err, "late")
	if len(late) != 1 || late[6] != "2026-11-25" {
		t.Errorf("late %v", late)
	}
}

func testReconJournal(t *testing.T, s posguard.Store, r posguard.ReconStore) {
	ctx := t.Context()
	var ids []int64
	for i, c := range []struct {
		date string
		typ  posguard.TxnType
	}{{"2026-11-23", posguard.TxnSale}, {"2026-11-23", posguard.TxnSignOn}, {"2026-11-24", posguard.TxnRefund}, {"2026-11-25", posguard.TxnSale}} {
		tx := &posguard.Transaction{TxnKey: posguard.TxnKey{TerminalID: "T1", Batch: "000001", STAN: string(rune('1'+i)) + "00000", MTI: "0200"},
			Type: c.typ, MerchantID: "M1", PANMasked: "622588******1017", Amount: 100, Currency: "156", SettlementDate: c.date,
			RRN: "R" + string(rune('1'+i)), State: posguard.StateApproved, UpstreamSTAN: "00000" + string(rune('1'+i)), UpstreamTime: "1123020000"}
		must(t, s.Insert(ctx, tx), "insert")
		ids = append(ids, tx.ID)
	}
	var got []*posguard.ReconTxn
	must(t, r.ReconTxns(ctx, []string{"2026-11-23", "2026-11-24"}, []posguard.TxnType{posguard.TxnSale, posguard.TxnRefund},
		func(t *posguard.ReconTxn) error { got = append(got, t); return nil }), "journal side")
	if len(got) != 2 {
		t.Fatalf("journal side: %d, want 2", len(got))
	}
	for _, x := range got {
		if x.MerchantID != "M1" || x.TerminalID != "T1" || x.Amount != 100 || x.State != posguard.StateApproved || x.PANMasked != "622588******1017" {
			t.Errorf("txn %+v", x)
		}
	}
	byID, err := r.ReconTxnsByID(ctx, []int64{ids[0], ids[3], 99999})
	must(t, err, "by id")
	if len(byID) != 2 {
		t.Errorf("by id: %d", len(byID))
	}
}

func testReconLedgerNet(t *testing.T, s posguard.Store, r posguard.ReconStore) {
	ctx := t.Context()
	_, ok, err := r.LedgerNet(ctx, "2026-03-01")
	must(t, err, "ledger net")
	if ok {
		t.Error("ledger net of an empty ledger is known")
	}
	m := s.(MoneyStorer).Money()
	appendN(t, m, 2, sale(1, "M1", "2026-03-01", 10000, 50), sale(2, "M1", "2026-03-01", 2500, 10))
	net, ok, err := r.LedgerNet(ctx, "2026-03-01")
	must(t, err, "ledger net")
	if !ok || net != 12500 {
		t.Errorf("ledger net %d %v, want 12500", net, ok)
	}
}
