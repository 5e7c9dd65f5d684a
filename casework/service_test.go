package casework_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/casework"
	"github.com/posguard/posguard/sqlite"
	"github.com/posguard/posguard/storetest"
)

const pan = "6225880012345678"

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type fixture struct {
	st  *sqlite.Store
	svc *casework.Service
	clk *clock
	n   int
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "p.db"), storetest.NewSealer())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clk := &clock{t: time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)}
	st.Now = clk.Now
	return &fixture{st: st, clk: clk, svc: &casework.Service{Store: st, Now: clk.Now, ChargedAfter: 10 * time.Minute}}
}

// txn journals a sale in state with code and reason.
func (f *fixture) txn(t *testing.T, amount posguard.Amount, state posguard.State, code, reason string) *posguard.Transaction {
	t.Helper()
	f.n++
	x := &posguard.Transaction{
		TxnKey: posguard.TxnKey{TerminalID: "T0000001", Batch: "000001", STAN: strings.Repeat("0", 5) + string(rune('0'+f.n%10)) + strings.Repeat("1", f.n/10), MTI: "0200"},
		Type:   posguard.TxnSale, MerchantID: "M00000000000001", PANMasked: posguard.MaskPAN(pan), IssuerBIN: pan[:6],
		Amount: amount, Currency: posguard.CurrencyCNY, RRN: "00000000000" + string(rune('0'+f.n%10)),
		State: state, ResponseCode: code, Reason: reason,
		Detail: map[string]string{"upstream_ms": "15000.0", "upstream_error": "no answer from " + pan},
	}
	if err := f.st.Insert(context.Background(), x); err != nil {
		t.Fatal(err)
	}
	return x
}

func TestTransitions(t *testing.T) {
	tests := []struct {
		from, to posguard.CaseStatus
		ok       bool
	}{
		{posguard.CaseOpen, posguard.CaseInvestigating, true},
		{posguard.CaseOpen, posguard.CaseWaitingMerchant, true},
		{posguard.CaseOpen, posguard.CaseClosed, false},
		{posguard.CaseInvestigating, posguard.CaseWaitingMerchant, true},
		{posguard.CaseInvestigating, posguard.CaseOpen, false},
		{posguard.CaseWaitingMerchant, posguard.CaseInvestigating, true},
		{posguard.CaseWaitingMerchant, posguard.CaseClosed, false},
		{posguard.CaseResolved, posguard.CaseClosed, true},
		{posguard.CaseResolved, posguard.CaseInvestigating, true},
		{posguard.CaseClosed, posguard.CaseInvestigating, false},
		{posguard.CaseClosed, posguard.CaseOpen, false},
	}
	for _, tt := range tests {
		t.Run(string(tt.from)+"→"+string(tt.to), func(t *testing.T) {
			f := newFixture(t)
			ctx := context.Background()
			x := f.txn(t, 5000, posguard.StateApproved, "00", posguard.ReasonApproved)
			c, _, err := f.svc.OpenComplaint(ctx, casework.Complaint{TxnID: x.ID, Author: "merchant", Text: "charged twice"})
			if err != nil {
				t.Fatal(err)
			}
			// Walk the case to tt.from along allowed moves.
			path := map[posguard.CaseStatus][]posguard.CaseStatus{
				posguard.CaseOpen:            nil,
				posguard.CaseInvestigating:   {posguard.CaseInvestigating},
				posguard.CaseWaitingMerchant: {posguard.CaseWaitingMerchant},
				posguard.CaseResolved:        {posguard.CaseResolved},
				posguard.CaseClosed:          {posguard.CaseResolved, posguard.CaseClosed},
			}[tt.from]
			for _, st := range path {
				var err error
				if st == posguard.CaseResolved {
					err = f.svc.Resolve(ctx, c.ID, "refunded", "wang")
				} else {
					err = f.svc.SetStatus(ctx, c.ID, st, "wang", "")
				}
				if err != nil {
					t.Fatalf("walk to %s: %v", st, err)
				}
			}
			var err2 error
			if tt.to == posguard.CaseResolved {
				err2 = f.svc.Resolve(ctx, c.ID, "done", "wang")
			} else {
				err2 = f.svc.SetStatus(ctx, c.ID, tt.to, "wang", "note")
			}
			got, _, _ := f.svc.Get(ctx, c.ID)
			if tt.ok {
				if err2 != nil || got.Status != tt.to {
					t.Fatalf("move: %v, status %s", err2, got.Status)
				}
			} else {
				if posguard.ErrorCode(err2) != posguard.EINVALID || got.Status != tt.from {
					t.Fatalf("move: %v (want EINVALID), status %s", err2, got.Status)
				}
			}
		})
	}
}

func TestHandling(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	x := f.txn(t, 250_000, posguard.StateApproved, "00", posguard.ReasonApproved)
	c, created, err := f.svc.OpenComplaint(ctx, casework.Complaint{RRN: x.RRN, MerchantID: x.MerchantID, Author: "merchant:M1", Text: "customer says charged twice"})
	if err != nil || !created {
		t.Fatalf("complaint: %v created %v", err, created)
	}
	if c.Priority != posguard.P2 || !c.DueAt.Equal(f.clk.Now().Add(24*time.Hour)) || c.Amount != 250_000 {
		t.Fatalf("case: %+v", c)
	}
	_, again, err := f.svc.OpenComplaint(ctx, casework.Complaint{TxnID: x.ID, Author: "merchant:M1", Text: "still waiting"})
	if err != nil || again {
		t.Fatalf("second complaint: %v created %v", err, again)
	}
	_, _, err = f.svc.OpenComplaint(ctx, casework.Complaint{RRN: x.RRN, MerchantID: "M00000000000009", Author: "a", Text: "b"})
	if posguard.ErrorCode(err) != posguard.ENOTFOUND {
		t.Fatalf("other merchant's transaction: %v", err)
	}
	_, _, err = f.svc.OpenComplaint(ctx, casework.Complaint{Author: "a", Text: "b"})
	if posguard.ErrorCode(err) != posguard.EINVALID {
		t.Fatalf("no transaction: %v", err)
	}
	if err := f.svc.Assign(ctx, c.ID, "wang", "lead"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.AddEntry(ctx, c.ID, posguard.EntryStep, "wang", "checked the issuer's file: one debit"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.AddEntry(ctx, c.ID, posguard.EntryStatus, "wang", "x"); posguard.ErrorCode(err) != posguard.EINVALID {
		t.Fatalf("system entry kind by hand: %v", err)
	}
	if err := f.svc.Resolve(ctx, c.ID, "  ", "wang"); posguard.ErrorCode(err) != posguard.EINVALID {
		t.Fatalf("resolve without outcome: %v", err)
	}
	if err := f.svc.SetStatus(ctx, c.ID, posguard.CaseResolved, "wang", ""); posguard.ErrorCode(err) != posguard.EINVALID {
		t.Fatalf("resolve through SetStatus: %v", err)
	}
	if err := f.svc.Resolve(ctx, c.ID, "one debit only; receipt sent to merchant", "wang"); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.SetStatus(ctx, c.ID, posguard.CaseClosed, "lead", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.AddEntry(ctx, c.ID, posguard.EntryNote, "wang", "late note"); posguard.ErrorCode(err) != posguard.EINVALID {
		t.Fatalf("note on a closed case: %v", err)
	}
	got, entries, err := f.svc.Get(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != posguard.CaseClosed || got.Assignee != "wang" || got.Outcome == "" || got.ClosedAt.IsZero() {
		t.Fatalf("final case: %+v", got)
	}
	var kinds []string
	for _, e := range entries {
		kinds = append(kinds, string(e.Kind))
	}
	want := "cause note note assign step outcome status"
	if strings.Join(kinds, " ") != want {
		t.Fatalf("timeline %v, want %s", kinds, want)
	}
	list, err := f.svc.List(ctx, posguard.CaseFilter{Status: "bogus"})
	if posguard.ErrorCode(err) != posguard.EINVALID || list != nil {
		t.Fatalf("bad filter: %v", err)
	}
}

func TestTriggers(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	timedOut := f.txn(t, 8_800, posguard.StateReversalPending, "98", posguard.ReasonNetworkTimeout)
	badAnswer := f.txn(t, 1_000, posguard.StateReversalFailed, "96", posguard.ReasonNetworkBadAnswer)
	declined := f.txn(t, 1_000, posguard.StateDeclined, "51", posguard.IssuerReason("51"))

	// Too early: nothing opened.
	if n, err := f.svc.Scan(ctx); err != nil || n != 0 {
		t.Fatalf("early scan: %d %v", n, err)
	}
	f.clk.Add(11 * time.Minute)
	late := f.txn(t, 1_000, posguard.StateReversalPending, "98", posguard.ReasonNetworkTimeout) // journaled now: not yet due
	n, err := f.svc.Scan(ctx)
	if err != nil || n != 2 {
		t.Fatalf("scan opened %d (%v), want 2", n, err)
	}
	if n, _ := f.svc.Scan(ctx); n != 0 {
		t.Fatalf("second scan opened %d", n)
	}
	for _, x := range []*posguard.Transaction{declined, late} {
		if l, _ := f.svc.List(ctx, posguard.CaseFilter{TxnID: x.ID}); len(l) != 0 {
			t.Fatalf("transaction %d got a case", x.ID)
		}
	}
	l, _ := f.svc.List(ctx, posguard.CaseFilter{Kind: posguard.CaseChargedButFailed})
	if len(l) != 2 || l[1].TxnID != timedOut.ID || l[0].TxnID != badAnswer.ID || l[1].Priority != posguard.P2 {
		t.Fatalf("charged cases: %+v", l)
	}
	if !strings.Contains(l[1].Cause, "超时") || !strings.Contains(l[1].Cause, "No answer") {
		t.Fatalf("cause does not name the timeout: %q", l[1].Cause)
	}

	f.svc.OnReversalFailed(ctx, badAnswer)
	f.svc.OnReversalFailed(ctx, badAnswer)
	f.svc.OnLateApproval(ctx, timedOut)
	rf, _ := f.svc.List(ctx, posguard.CaseFilter{Kind: posguard.CaseReversalFailed})
	la, _ := f.svc.List(ctx, posguard.CaseFilter{Kind: posguard.CaseLateApproval})
	if len(rf) != 1 || rf[0].Reason != posguard.ReasonReversalRetrying || len(la) != 1 || la[0].Reason != posguard.ReasonLateApproval {
		t.Fatalf("hook cases: %+v %+v", rf, la)
	}

	// Escalation by age: a P2 case two days on is P1 and due within 4 hours.
	f.clk.Add(48 * time.Hour)
	if n, err := f.svc.Escalate(ctx); err != nil || n == 0 {
		t.Fatalf("escalate: %d %v", n, err)
	}
	c, _, _ := f.svc.Get(ctx, l[1].ID)
	if c.Priority != posguard.P1 || !c.DueAt.Before(l[1].DueAt.Add(time.Second)) {
		t.Fatalf("escalated: %s due %v (was %v)", c.Priority, c.DueAt, l[1].DueAt)
	}
}

func TestEvidence(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	x := f.txn(t, 8_800, posguard.StateReversalPending, "98", posguard.ReasonNetworkTimeout)
	if err := f.st.Update(ctx, posguard.TxnUpdate{ID: x.ID, Note: "late answer 00 for card " + pan}); err != nil {
		t.Fatal(err)
	}
	f.svc.OnChargedButFailed(ctx, x)
	l, _ := f.svc.List(ctx, posguard.CaseFilter{})
	if len(l) != 1 {
		t.Fatalf("cases: %d", len(l))
	}
	if _, err := f.svc.AddEntry(ctx, l[0].ID, posguard.EntryStep, "wang", "cardholder gave card "+pan+"; checked"); err != nil {
		t.Fatal(err)
	}
	ev, err := f.svc.Evidence(ctx, l[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	js, _ := json.Marshal(ev)
	text := ev.Text()
	for name, out := range map[string]string{"json": string(js), "text": text} {
		if strings.Contains(out, pan) {
			t.Fatalf("%s export leaks the PAN", name)
		}
		for _, want := range []string{"622588******5678", "98", "reversal_pending", "wang"} {
			if !strings.Contains(out, want) {
				t.Fatalf("%s export lacks %q:\n%s", name, want, out)
			}
		}
	}
	if len(ev.Transactions) != 1 || len(ev.Transactions[0].History) != 2 || ev.Timeline[0].Kind != "cause" {
		t.Fatalf("evidence: %+v", ev)
	}
	if !strings.Contains(text, "处理过程") || !strings.Contains(text, "原因") {
		t.Fatalf("text lacks timeline labels:\n%s", text)
	}
	if _, err := f.svc.Evidence(ctx, 999); posguard.ErrorCode(err) != posguard.ENOTFOUND {
		t.Fatalf("unknown case: %v", err)
	}
}
