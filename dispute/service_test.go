package dispute_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/dispute"
)

var (
	shopUser  = dispute.Actor{Name: "shop", Role: posguard.RoleMerchant, MerchantID: shop}
	otherUser = dispute.Actor{Name: "noodle", Role: posguard.RoleMerchant, MerchantID: other}
	ops       = dispute.Actor{Name: "ops", Role: posguard.RoleOperator}
)

// TestChargebackPaidOutThenWon: a sale is settled and paid out; the network
// charges it back; the dispute arrives with its case (due at the reason's
// deadline) and its evidence; the merchant's next settlement is reduced by
// the chargeback; the merchant answers, the representment wins and the
// money comes back in the following settlement. The ledger balances and
// every merchant's money is accounted for after every step.
func TestChargebackPaidOutThenWon(t *testing.T) { chargebackPaidOutThenWon(t, newRig(t)) }

// TestChargebackPaidOutThenWonPostgres is the same story on PostgreSQL.
func TestChargebackPaidOutThenWonPostgres(t *testing.T) {
	chargebackPaidOutThenWon(t, newRigPostgres(t))
}

func chargebackPaidOutThenWon(t *testing.T, r *rig) {
	ctx := context.Background()
	sale := r.sale(shop, shopTID, 10000) // 100.00, fee 0.50
	r.clock.Add(24 * time.Hour)
	if paid := r.settleAndPay(shop); paid != 9950 {
		t.Fatalf("first payout %s, want 99.50", paid)
	}
	if p := r.position(shop); p.Paid != 9950 || p.Unsettled != 0 {
		t.Fatalf("after payout: %+v", p)
	}

	// The network charges the sale back.
	r.clock.Add(time.Hour)
	id := r.raise(sale, posguard.DisputeChargeback, "4515")
	rep := r.fetch()
	if len(rep.Created) != 1 || rep.Created[0] != id || len(rep.Unmatched) != 0 {
		t.Fatalf("import: %+v", rep)
	}
	if again := r.fetch(); len(again.Created) != 0 || again.Existing != 1 {
		t.Fatalf("second import: %+v", again)
	}
	d, evidence, err := r.svc.Get(ctx, id, shopUser)
	must(t, err)
	reason, _ := dispute.Lookup("4515")
	if d.State != posguard.DisputeOpen || d.TxnID != sale.ID || d.Amount != 10000 || !d.DueAt.Equal(reason.Deadline(d.RaisedAt)) ||
		d.DueAt.Sub(d.RaisedAt) != 30*24*time.Hour || d.CaseID == 0 {
		t.Fatalf("dispute: %+v", d)
	}
	kinds := map[string]bool{}
	for _, e := range evidence {
		kinds[e.Kind] = e.Source == posguard.EvidenceByPosguard
	}
	if !kinds[posguard.EvidenceReceipt] || !kinds[posguard.EvidenceJournal] || !kinds[posguard.EvidenceTerminal] {
		t.Fatalf("evidence gathered: %+v", evidence)
	}
	for _, e := range evidence {
		item, err := r.svc.EvidenceItem(ctx, id, e.ID, ops)
		must(t, err)
		if strings.Contains(string(item.Data), pan) {
			t.Fatalf("evidence %s holds the full card number", e.Name)
		}
		if e.Kind == posguard.EvidenceReceipt && !strings.Contains(string(item.Data), sale.RRN) {
			t.Errorf("receipt evidence lacks the RRN:\n%s", item.Data)
		}
		if e.Kind == posguard.EvidenceTerminal && !strings.Contains(string(item.Data), "NEW8210") {
			t.Errorf("terminal evidence: %s", item.Data)
		}
	}
	c, err := r.st.Case(ctx, d.CaseID)
	must(t, err)
	if c.Kind != posguard.CaseChargeback || c.TxnID != sale.ID || !c.DueAt.Equal(d.DueAt) || c.Amount != 10000 || !strings.Contains(c.Cause, "拒付") {
		t.Fatalf("case: %+v", c)
	}
	entries, err := r.st.CaseEntries(ctx, c.ID)
	must(t, err)
	timeline := ""
	for _, e := range entries {
		timeline += e.Text + "\n"
	}
	for _, want := range []string{"respond by", "receipt.txt, journal.txt, terminal.txt", "merchant debited 100.00 yuan"} {
		if !strings.Contains(timeline, want) {
			t.Errorf("case timeline lacks %q:\n%s", want, timeline)
		}
	}
	if p := r.position(shop); p.Unsettled != -10000 || p.Paid != 9950 {
		t.Fatalf("after the chargeback: %+v", p)
	}

	// Another merchant sees nothing of it.
	if _, _, err := r.svc.Get(ctx, id, otherUser); posguard.ErrorCode(err) != posguard.ENOTFOUND {
		t.Errorf("other merchant: %v", err)
	}
	if ds, _ := r.svc.List(ctx, posguard.DisputeFilter{MerchantID: shop}, otherUser); len(ds) != 0 {
		t.Errorf("other merchant lists %d disputes", len(ds))
	}
	if _, err := r.svc.AddStatement(ctx, id, otherUser, "mine"); posguard.ErrorCode(err) != posguard.ENOTFOUND {
		t.Errorf("other merchant adds evidence: %v", err)
	}

	// The next settlement is reduced by the chargeback: a 300.00 sale
	// (fee 1.50) pays 298.50 - 100.00.
	r.sale(shop, shopTID, 30000)
	r.clock.Add(24 * time.Hour)
	if paid := r.settleAndPay(shop); paid != 19850 {
		t.Fatalf("next payout %s, want 198.50 (298.50 less the 100.00 chargeback)", paid)
	}
	r.position(shop)

	// Staff ask the merchant; it answers with a statement and a PDF.
	must(t, r.svc.AskMerchant(ctx, id, ops, "please upload the signed slip"))
	if d, _, _ = r.svc.Get(ctx, id, shopUser); d.State != posguard.DisputeWaitingMerchant {
		t.Fatalf("after asking: %s", d.State)
	}
	if _, err := r.svc.AddFile(ctx, id, shopUser, "slip.exe", []byte("MZ\x90\x00")); posguard.ErrorCode(err) != posguard.EINVALID {
		t.Errorf("an executable accepted: %v", err)
	}
	if _, err := r.svc.AddFile(ctx, id, shopUser, "signed slip.pdf", []byte("%PDF-1.4 signed")); err != nil {
		t.Fatal(err)
	}
	if d, _, _ = r.svc.Get(ctx, id, shopUser); d.State != posguard.DisputeOpen {
		t.Fatalf("after the merchant answered: %s", d.State)
	}
	d, err = r.svc.Respond(ctx, id, shopUser, "The cardholder signed the slip at the till; CCTV kept. Card 6225880000000018.")
	must(t, err)
	if d.State != posguard.DisputeWon || d.RespondedAt.IsZero() || !d.RespondedAt.Before(d.DueAt) {
		t.Fatalf("after responding: %+v", d)
	}
	if _, err := r.svc.Respond(ctx, id, ops, ""); posguard.ErrorCode(err) != posguard.ECONFLICT {
		t.Errorf("second response: %v", err)
	}
	if p := r.position(shop); p.Unsettled != 10000 {
		t.Fatalf("after the representment: %+v", p)
	}
	r.clock.Add(24 * time.Hour)
	if paid := r.settleAndPay(shop); paid != 10000 {
		t.Fatalf("payout after the won representment %s, want 100.00", paid)
	}
	if p := r.position(shop); p.Paid != 9950+19850+10000 || p.Earned != 9950+29850 {
		t.Fatalf("final position: %+v", p)
	}
	// The case is resolved, the history and the audit log tell each step.
	c, _ = r.st.Case(ctx, d.CaseID)
	if c.Status != posguard.CaseResolved || !strings.Contains(c.Outcome, "representment won") {
		t.Errorf("case after winning: %s %q", c.Status, c.Outcome)
	}
	events, err := r.st.Events(ctx, sale.ID)
	must(t, err)
	history := ""
	for _, e := range events {
		history += e.Note + "\n"
	}
	for _, want := range []string{"chargeback " + id + " received", "merchant debited", "merchant was asked", "evidence signed slip.pdf", "response sent; won"} {
		if !strings.Contains(history, want) {
			t.Errorf("transaction history lacks %q:\n%s", want, history)
		}
	}
	if strings.Contains(history, pan) {
		t.Error("full card number in the history")
	}
	recs, err := r.st.Access().AuditRecords(ctx, posguard.AuditFilter{Object: "dispute/" + id, Limit: 50})
	must(t, err)
	actions := map[string]bool{}
	for _, a := range recs {
		actions[a.Action] = true
		if strings.Contains(a.Changes, pan) {
			t.Error("full card number in the audit log")
		}
	}
	for _, want := range []string{"dispute.import", "dispute.ask_merchant", "dispute.evidence", "dispute.respond", "dispute.decided"} {
		if !actions[want] {
			t.Errorf("audit log lacks %s (has %v)", want, actions)
		}
	}
}

// TestRetrievalAnsweredWithReceipt: a retrieval request is answered with
// the receipt as soon as it is imported, well before its deadline, and the
// network accepts it.
func TestRetrievalAnsweredWithReceipt(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	sale := r.sale(shop, shopTID, 5600)
	r.clock.Add(3 * time.Hour)
	id := r.raise(sale, posguard.DisputeRetrieval, "6301")
	rep := r.fetch()
	if len(rep.Answered) != 1 || rep.Answered[0] != id {
		t.Fatalf("import: %+v", rep)
	}
	d, _, err := r.svc.Get(ctx, id, ops)
	must(t, err)
	if d.State != posguard.DisputeWon || d.DueAt.Sub(d.RaisedAt) != 7*24*time.Hour || !d.RespondedAt.Before(d.DueAt) {
		t.Fatalf("retrieval: %+v", d)
	}
	for _, v := range r.net.Disputes() {
		if v.ID == id && (v.Decision != "won" || v.Reason != "receipt accepted") {
			t.Errorf("simnet's ruling: %+v", v)
		}
	}
	if p := r.position(shop); p.Unsettled != 5600-28 {
		t.Errorf("a retrieval request moved money: %+v", p)
	}
	c, _ := r.st.Case(ctx, d.CaseID)
	if c.Kind != posguard.CaseRetrieval || c.Status != posguard.CaseResolved {
		t.Errorf("case: %+v", c)
	}
}

// TestDeadlineMissed: a chargeback nobody answers is lost when its deadline
// passes; a response after that is refused; the debit stands.
func TestDeadlineMissed(t *testing.T) { deadlineMissed(t, newRig(t)) }

// TestDeadlineMissedPostgres is the same on PostgreSQL.
func TestDeadlineMissedPostgres(t *testing.T) { deadlineMissed(t, newRigPostgres(t)) }

func deadlineMissed(t *testing.T, r *rig) {
	ctx := context.Background()
	sale := r.sale(shop, shopTID, 20000)
	id := r.raise(sale, posguard.DisputeChargeback, "4559")
	r.fetch()
	r.clock.Add(44 * 24 * time.Hour)
	if n, err := r.svc.Expire(ctx); err != nil || n != 0 {
		t.Fatalf("expire before the deadline: %d %v", n, err)
	}
	r.clock.Add(2 * 24 * time.Hour)
	r.fetch() // a fetch expires too
	d, _, err := r.svc.Get(ctx, id, shopUser)
	must(t, err)
	if d.State != posguard.DisputeLost || d.LostBy != posguard.LostByDeadline || d.DecidedAt.IsZero() {
		t.Fatalf("after the deadline: %+v", d)
	}
	if _, err := r.svc.Respond(ctx, id, ops, "too late"); posguard.ErrorCode(err) != posguard.ECONFLICT {
		t.Errorf("late response: %v", err)
	}
	c, _ := r.st.Case(ctx, d.CaseID)
	if c.Status != posguard.CaseResolved || !strings.Contains(c.Outcome, "lost") {
		t.Errorf("case: %s %q", c.Status, c.Outcome)
	}
	if p := r.position(shop); p.Unsettled != 20000-100-20000 {
		t.Errorf("position after a lost chargeback: %+v", p)
	}
}

// TestRepresentmentLost: a 4515 chargeback answered with the receipt alone
// loses (the reason needs the merchant's evidence); the debit stands.
func TestRepresentmentLost(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	sale := r.sale(shop, shopTID, 8000)
	id := r.raise(sale, posguard.DisputeChargeback, "4515")
	r.fetch()
	d, err := r.svc.Respond(ctx, id, ops, "")
	must(t, err)
	if d.State != posguard.DisputeLost || d.LostBy != posguard.LostByNetwork || !strings.Contains(d.Outcome, "needs the merchant's evidence") {
		t.Fatalf("%+v", d)
	}
	if p := r.position(shop); p.Unsettled != 8000-40-8000 {
		t.Errorf("position: %+v", p)
	}
}

// TestImportUnmatched: a line no transaction answers is reported, not
// stored; a bad file imports nothing.
func TestImportUnmatched(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	sale := r.sale(shop, shopTID, 8000)
	n := dispute.Notice{ID: "CB2026030200099", Kind: posguard.DisputeChargeback, ReasonCode: "4512", RRN: sale.RRN, Trace: "000001",
		Terminal: otherTID, Merchant: other, Card: "622588******0018", Amount: 8000, Currency: "156", TxnDate: "2026-03-02",
		RaisedAt: r.clock.Now()}
	rep, err := r.svc.ImportFile(ctx, dispute.WriteFile([]dispute.Notice{n}), ops)
	must(t, err)
	if len(rep.Unmatched) != 1 || len(rep.Created) != 0 || !strings.Contains(rep.Unmatched[0], "another terminal or merchant") {
		t.Fatalf("%+v", rep)
	}
	if _, err := r.svc.ImportFile(ctx, []byte("garbage"), ops); posguard.ErrorCode(err) != posguard.EINVALID {
		t.Errorf("bad file: %v", err)
	}
	if ds, _ := r.svc.List(ctx, posguard.DisputeFilter{}, ops); len(ds) != 0 {
		t.Errorf("%d disputes stored", len(ds))
	}
}

// TestImportResumes: a dispute stored by an import that stopped before
// finishing it (no case yet) is finished by the next import: its case,
// evidence and debit, once each.
func TestImportResumes(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	sale := r.sale(shop, shopTID, 6000)
	id := r.raise(sale, posguard.DisputeChargeback, "4507")
	// The stored dispute alone, as a crash right after storing it leaves it.
	reason, _ := dispute.Lookup("4507")
	raised := r.clock.Now().UTC().Truncate(time.Second)
	_, err := r.st.PutDispute(ctx, &posguard.Dispute{ID: id, Kind: posguard.DisputeChargeback, ReasonCode: "4507",
		State: posguard.DisputeOpen, TxnID: sale.ID, MerchantID: shop, TerminalID: shopTID, RRN: sale.RRN, Amount: 6000,
		RaisedAt: raised, DueAt: reason.Deadline(raised)})
	must(t, err)
	rep := r.fetch()
	if len(rep.Resumed) != 1 || rep.Resumed[0] != id || len(rep.Created) != 0 {
		t.Fatalf("import: %+v", rep)
	}
	for range 2 {
		if again := r.fetch(); again.Existing != 1 || len(again.Resumed) != 0 {
			t.Fatalf("import again: %+v", again)
		}
	}
	d, es, err := r.svc.Get(ctx, id, ops)
	must(t, err)
	if d.CaseID == 0 || len(es) != 3 {
		t.Fatalf("finished dispute: case %d, %d pieces of evidence", d.CaseID, len(es))
	}
	ps, err := r.m.PostingsByRef(ctx, id)
	must(t, err)
	if len(ps) != 1 || ps[0].Kind != posguard.PostChargeback || ps[0].Net != -6000 {
		t.Fatalf("postings: %+v", ps)
	}
	r.position(shop)
}

// TestRetrievalRetried: a retrieval request imported while the network
// cannot be reached stays open; the next fetch answers it with the receipt.
func TestRetrievalRetried(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	sale := r.sale(shop, shopTID, 3300)
	id := r.raise(sale, posguard.DisputeRetrieval, "6305")
	link := r.svc.Network
	r.svc.Network = &dispute.Client{BaseURL: "http://127.0.0.1:1"} // nothing listens there
	if _, err := r.svc.Fetch(ctx); posguard.ErrorCode(err) != posguard.EUNAVAILABLE {
		t.Fatalf("fetch with the network down: %v", err)
	}
	rep, err := r.svc.ImportFile(ctx, r.net.DisputeFile(), ops) // the file came by other means
	must(t, err)
	if len(rep.Created) != 1 || len(rep.Answered) != 0 {
		t.Fatalf("import with the network down: %+v", rep)
	}
	if d, _, _ := r.svc.Get(ctx, id, ops); d.State != posguard.DisputeOpen {
		t.Fatalf("state %s, want open", d.State)
	}
	r.svc.Network = link
	rep = r.fetch()
	if len(rep.Answered) != 1 || rep.Answered[0] != id {
		t.Fatalf("fetch with the network back: %+v", rep)
	}
	if d, _, _ := r.svc.Get(ctx, id, ops); d.State != posguard.DisputeWon {
		t.Fatalf("state %s, want won", d.State)
	}
}
