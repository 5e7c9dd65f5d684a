package dispute

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/casework"
	"github.com/posguard/posguard/diagnosis"
	"github.com/posguard/posguard/receipt"
)

// Store is what the Service keeps and reads: disputes, cases, the journal,
// merchants and terminals.
type Store interface {
	posguard.DisputeStore
	posguard.CaseStore
	posguard.Journal
	posguard.MerchantStore
	posguard.TerminalStore
}

// Actor is who does something to a dispute.
type Actor struct {
	Name       string
	Role       posguard.Role
	MerchantID string // a merchant user's merchant
	Remote     string
}

// System is the actor of what posguard does itself.
var System = Actor{Name: casework.System}

// staff reports whether a sees every merchant's disputes.
func (a Actor) staff() bool { return a.Role.Staff() || a.Name == casework.System && a.Role == "" }

// Service works disputes. Store and Ledger are required.
type Service struct {
	Store  Store
	Ledger posguard.LedgerStore
	// Audit receives a record of every step; nil records none.
	Audit posguard.AuditStore
	// Network fetches the dispute file and takes responses; nil answers
	// Respond and Fetch with EUNAVAILABLE.
	Network Network
	// AutoRetrieval answers a retrieval request whose reason needs only
	// the receipt as soon as it is imported.
	AutoRetrieval bool
	// Calendar dates the ledger postings (the business day); zero is UTC+8.
	Calendar posguard.Calendar
	// Now is the clock; nil is time.Now.
	Now func() time.Time
	// Logger receives what the service did; nil logs nowhere.
	Logger *slog.Logger
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) log() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// audit appends one audit record; a failure is logged (the change is made).
func (s *Service) audit(ctx context.Context, a Actor, action, object, outcome string, after any) {
	if s.Audit == nil {
		return
	}
	changes := ""
	if after != nil {
		if b, err := json.Marshal(map[string]any{"after": after}); err == nil {
			changes = posguard.MaskCardNumbers(string(b))
		}
	}
	r := &posguard.AuditRecord{User: a.Name, Role: a.Role, Remote: a.Remote, Action: action, Object: object,
		Outcome: outcome, Changes: changes}
	if err := s.Audit.AppendAudit(ctx, r); err != nil {
		s.log().Error("dispute: audit append", "action", action, "object", object, "err", err)
	}
}

// note adds a line to the disputed transaction's history (the journal
// event keeps the transaction's state).
func (s *Service) note(ctx context.Context, txnID int64, text string) {
	if err := s.Store.Update(ctx, posguard.TxnUpdate{ID: txnID, Note: posguard.MaskFreeText(text), At: s.now()}); err != nil {
		s.log().Error("dispute: transaction history", "txn", txnID, "err", err)
	}
}

// caseEntry appends an entry to the dispute's case.
func (s *Service) caseEntry(ctx context.Context, d *posguard.Dispute, kind posguard.EntryKind, author, text string) {
	if d.CaseID == 0 {
		return
	}
	e := &posguard.CaseEntry{CaseID: d.CaseID, Kind: kind, Author: author, Text: posguard.MaskFreeText(text), At: s.now()}
	if err := s.Store.AddCaseEntry(ctx, e); err != nil {
		s.log().Error("dispute: case entry", "case", d.CaseID, "err", err)
	}
}

// object names a dispute in the audit log.
func object(id string) string { return "dispute/" + id }

// kindName is a dispute kind in both languages.
func kindName(k posguard.DisputeKind) string {
	if k == posguard.DisputeChargeback {
		return "拒付 chargeback"
	}
	return "调单 retrieval request"
}

// stamp formats t in UTC+8.
func stamp(t time.Time) string {
	return t.In(posguard.ChinaStandardTime).Format("2006-01-02 15:04") + " (UTC+8)"
}

// Get returns dispute id and its evidence (without data) as actor may see
// it: another merchant's dispute is ENOTFOUND, as a missing one.
func (s *Service) Get(ctx context.Context, id string, a Actor) (*posguard.Dispute, []*posguard.DisputeEvidence, error) {
	d, err := s.visible(ctx, id, a)
	if err != nil {
		return nil, nil, err
	}
	es, err := s.Store.DisputeEvidence(ctx, id)
	return d, es, err
}

// visible returns dispute id if actor may see it.
func (s *Service) visible(ctx context.Context, id string, a Actor) (*posguard.Dispute, error) {
	d, err := s.Store.Dispute(ctx, id)
	if err != nil {
		return nil, err
	}
	if !a.staff() && d.MerchantID != a.MerchantID {
		return nil, posguard.Errorf(posguard.ENOTFOUND, "dispute %q not found", id)
	}
	return d, nil
}

// List returns the disputes matching f that actor may see, soonest due
// first (a merchant user's are its own whatever f says).
func (s *Service) List(ctx context.Context, f posguard.DisputeFilter, a Actor) ([]*posguard.Dispute, error) {
	if !a.staff() {
		f.MerchantID = a.MerchantID
	}
	if f.State != "" && !f.State.Valid() {
		return nil, posguard.Errorf(posguard.EINVALID, "state: unknown dispute state %q", f.State)
	}
	if f.Kind != "" && !f.Kind.Valid() {
		return nil, posguard.Errorf(posguard.EINVALID, "kind: unknown dispute kind %q", f.Kind)
	}
	return s.Store.Disputes(ctx, f)
}

// EvidenceItem returns one piece of dispute id's evidence with its data.
func (s *Service) EvidenceItem(ctx context.Context, id string, evidenceID int64, a Actor) (*posguard.DisputeEvidence, error) {
	if _, err := s.visible(ctx, id, a); err != nil {
		return nil, err
	}
	return s.Store.DisputeEvidenceItem(ctx, id, evidenceID)
}

// caseReason is the reason of a dispute's case.
func caseReason(k posguard.DisputeKind) string {
	if k == posguard.DisputeChargeback {
		return posguard.ReasonChargeback
	}
	return posguard.ReasonRetrievalRequest
}

// caseKind is the kind of a dispute's case.
func caseKind(k posguard.DisputeKind) posguard.CaseKind {
	if k == posguard.DisputeChargeback {
		return posguard.CaseChargeback
	}
	return posguard.CaseRetrieval
}

// openCase opens (or finds) d's case, due at d's deadline.
func (s *Service) openCase(ctx context.Context, d *posguard.Dispute, t *posguard.Transaction, r Reason) (*posguard.Case, error) {
	now := s.now()
	x := diagnosis.Explain("", caseReason(d.Kind), nil)
	cause := fmt.Sprintf("%s / %s — %s %s: %s / %s", x.Summary.ZH, x.Summary.EN, kindName(d.Kind), r.Code, r.Name.ZH, r.Name.EN)
	kind := caseKind(d.Kind)
	p := casework.PriorityFor(kind, d.Amount, 0)
	if d.Kind == posguard.DisputeChargeback && casework.Higher(posguard.P2, p) {
		p = posguard.P2 // money already taken from the merchant
	}
	c := &posguard.Case{
		Kind: kind, Status: posguard.CaseOpen, Priority: p, TxnID: t.ID, TxnIDs: []int64{t.ID},
		MerchantID: t.MerchantID, TerminalID: t.TerminalID, Amount: d.Amount, Currency: t.Currency,
		Reason: caseReason(d.Kind), Cause: cause,
		Title:    fmt.Sprintf("%s %s %s (%s)", kindName(d.Kind), d.ID, r.Name.ZH, r.Name.EN),
		OpenedBy: casework.System, DueAt: d.DueAt,
	}
	entries := []posguard.CaseEntry{
		{Kind: posguard.EntryCause, Author: casework.System, Text: cause, At: now},
		{Kind: posguard.EntryStep, Author: casework.System, At: now, Text: fmt.Sprintf(
			"网络于 %s 发起%s %s（原因码 %s），须在 %s 前回复 / the network raised %s %s (reason %s) on %s; respond by %s",
			stamp(d.RaisedAt), kindName(d.Kind), d.ID, r.Code, stamp(d.DueAt), kindName(d.Kind), d.ID, r.Code, stamp(d.RaisedAt), stamp(d.DueAt))},
	}
	if _, err := s.Store.OpenCase(ctx, c, entries); err != nil {
		return nil, err
	}
	return c, nil
}

// gather stores the evidence posguard holds about d's transaction: the
// electronic receipt, the journal trace and the terminal's data (each
// once: a piece already stored is kept). It returns the names of the
// pieces d has.
func (s *Service) gather(ctx context.Context, d *posguard.Dispute, t *posguard.Transaction) ([]string, error) {
	var names []string
	have, err := s.Store.DisputeEvidence(ctx, d.ID)
	if err != nil {
		return nil, err
	}
	add := func(kind, name, text string) error {
		for _, e := range have {
			if e.Source == posguard.EvidenceByPosguard && e.Kind == kind {
				names = append(names, name)
				return nil
			}
		}
		e := textEvidence(d.ID, posguard.EvidenceByPosguard, kind, name, casework.System, text)
		if err := s.Store.AddDisputeEvidence(ctx, e); err != nil {
			return err
		}
		names = append(names, name)
		return nil
	}
	rb := &receipt.Builder{Store: s.Store, Ledger: s.Ledger}
	if rc, err := rb.For(ctx, t); err == nil {
		if err := add(posguard.EvidenceReceipt, "receipt.txt", receipt.Text(rc)); err != nil {
			return names, err
		}
	} else if posguard.ErrorCode(err) != posguard.ENOTFOUND {
		return names, err
	}
	events, err := s.Store.Events(ctx, t.ID)
	if err != nil {
		return names, err
	}
	if err := add(posguard.EvidenceJournal, "journal.txt", journalTrace(t, events)); err != nil {
		return names, err
	}
	term, err := s.Store.Terminal(ctx, t.TerminalID)
	switch {
	case err == nil:
		if err := add(posguard.EvidenceTerminal, "terminal.txt", terminalData(term, t)); err != nil {
			return names, err
		}
	case posguard.ErrorCode(err) != posguard.ENOTFOUND:
		return names, err
	}
	return names, nil
}

// journalTrace prints a transaction and its history.
func journalTrace(t *posguard.Transaction, events []posguard.Event) string {
	b := fmt.Appendf(nil, "交易 transaction %d: %s %s yuan, card %s, terminal %s batch %s trace %s, RRN %s, auth %s, code %s, state %s, created %s\n",
		t.ID, t.Type, t.Amount, posguard.MaskPAN(t.PANMasked), t.TerminalID, t.Batch, t.STAN, t.RRN, t.AuthCode,
		t.ResponseCode, t.State, stamp(t.CreatedAt))
	b = fmt.Appendf(b, "上游 upstream: trace %s time %s; entry mode %s\n", t.UpstreamSTAN, t.UpstreamTime, t.EntryMode)
	for _, e := range events {
		b = fmt.Appendf(b, "%s %s", e.At.In(posguard.ChinaStandardTime).Format("2006-01-02 15:04:05.000"), e.State)
		if e.Code != "" {
			b = fmt.Appendf(b, " code %s", e.Code)
		}
		if e.Reason != "" {
			b = fmt.Appendf(b, " reason %s", e.Reason)
		}
		if e.Note != "" {
			b = fmt.Appendf(b, " — %s", e.Note)
		}
		b = append(b, '\n')
	}
	return posguard.MaskCardNumbers(string(b))
}

// terminalData prints the terminal's binding and sign-on state (never its
// keys).
func terminalData(term *posguard.Terminal, t *posguard.Transaction) string {
	signed := "signed off"
	if term.SignedOn {
		signed = "signed on since " + stamp(term.SignedOnAt)
	}
	return fmt.Sprintf("终端 terminal %s of merchant %s: model %s, firmware %s, status %s, %s, open batch %s, last seen %s\n"+
		"交易时批次 batch at the transaction: %s (terminal %s)\n",
		term.ID, term.MerchantID, term.Model, term.Firmware, term.Status, signed, term.Batch, stamp(term.LastSeen), t.Batch, t.TerminalID)
}
