package casework

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/diagnosis"
)

// Store is what the Service needs: cases, the journal and the reversal
// queue.
type Store interface {
	posguard.CaseStore
	posguard.Journal
	posguard.ReversalQueue
}

// System is the author of the entries posguard writes itself.
const System = "posguard"

// Service opens and handles cases. Set Store; the other fields have
// defaults.
type Service struct {
	Store Store
	// Now is the clock; nil is time.Now.
	Now func() time.Time
	// Logger receives hook failures; nil logs nowhere.
	Logger *slog.Logger
	// ChargedAfter is how long a transaction the terminal was told failed
	// may wait for its reversal's acknowledgement before Scan opens a
	// charged_but_failed case. Default 10 minutes.
	ChargedAfter time.Duration
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

// causeOf explains a transaction's outcome in one line, zh then en.
func causeOf(code, reason string, detail map[string]string) string {
	x := diagnosis.Explain(code, reason, detail)
	return x.Summary.ZH + " / " + x.Summary.EN
}

// open opens (or finds) the case of kind about txn, with a cause entry and
// an optional note. It reports whether the case is new.
func (s *Service) open(ctx context.Context, kind posguard.CaseKind, txn *posguard.Transaction, reason string, detail map[string]string, title, author, note string) (*posguard.Case, bool, error) {
	now := s.now()
	title, note = posguard.MaskFreeText(title), posguard.MaskFreeText(note)
	if reason == "" {
		reason = txn.Reason
	}
	if detail == nil {
		detail = txn.Detail
	}
	code := txn.ResponseCode
	if reason != txn.Reason {
		code = "" // the case's reason speaks for itself
	}
	cause := causeOf(code, reason, detail)
	p := PriorityFor(kind, txn.Amount, now.Sub(txn.CreatedAt))
	c := &posguard.Case{
		Kind: kind, Status: posguard.CaseOpen, Priority: p, TxnID: txn.ID, TxnIDs: []int64{txn.ID},
		MerchantID: txn.MerchantID, TerminalID: txn.TerminalID, Amount: txn.Amount, Currency: txn.Currency,
		Reason: reason, Cause: cause, Title: title, OpenedBy: author, DueAt: DueAt(p, now),
	}
	if txn.OrigID != 0 {
		c.TxnIDs = append(c.TxnIDs, txn.OrigID)
	}
	entries := []posguard.CaseEntry{{Kind: posguard.EntryCause, Author: System, Text: cause, At: now}}
	if note != "" {
		entries = append(entries, posguard.CaseEntry{Kind: posguard.EntryNote, Author: author, Text: note, At: now})
	}
	posguard.NoteAudit(ctx, c) // a request's record names the case, in its transaction
	created, err := s.Store.OpenCase(ctx, c, entries)
	if err != nil {
		return nil, false, err
	}
	if created {
		s.log().Info("case opened", "case", c.ID, "kind", kind, "txn", txn.ID, "priority", p)
	}
	return c, created, nil
}

// Get returns a case and its timeline; ENOTFOUND if there is none.
func (s *Service) Get(ctx context.Context, id int64) (*posguard.Case, []posguard.CaseEntry, error) {
	c, err := s.Store.Case(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	entries, err := s.Store.CaseEntries(ctx, id)
	return c, entries, err
}

// List returns the cases matching f, newest first.
func (s *Service) List(ctx context.Context, f posguard.CaseFilter) ([]*posguard.Case, error) {
	if f.Status != "" && !f.Status.Valid() {
		return nil, posguard.Errorf(posguard.EINVALID, "status: unknown case status %q", f.Status)
	}
	if f.Kind != "" && !f.Kind.Valid() {
		return nil, posguard.Errorf(posguard.EINVALID, "kind: unknown case kind %q", f.Kind)
	}
	if f.Priority != "" && !f.Priority.Valid() {
		return nil, posguard.Errorf(posguard.EINVALID, "priority: unknown priority %q", f.Priority)
	}
	return s.Store.Cases(ctx, f)
}

// AddEntry appends a cause, step, outcome or note by author. EINVALID for
// another kind, an empty author or text, or a closed case; ENOTFOUND for an
// unknown case.
func (s *Service) AddEntry(ctx context.Context, id int64, kind posguard.EntryKind, author, text string) (*posguard.CaseEntry, error) {
	switch kind {
	case posguard.EntryCause, posguard.EntryStep, posguard.EntryOutcome, posguard.EntryNote:
	default:
		return nil, posguard.Errorf(posguard.EINVALID, "kind: must be cause, step, outcome or note, not %q", kind)
	}
	author, text = strings.TrimSpace(author), posguard.MaskFreeText(strings.TrimSpace(text))
	if author == "" || text == "" {
		return nil, posguard.Errorf(posguard.EINVALID, "author and text are required")
	}
	c, err := s.Store.Case(ctx, id)
	if err != nil {
		return nil, err
	}
	if c.Status == posguard.CaseClosed {
		return nil, posguard.Errorf(posguard.EINVALID, "case %d is closed", id)
	}
	e := &posguard.CaseEntry{CaseID: id, Kind: kind, Author: author, Text: text, At: s.now()}
	return e, s.Store.AddCaseEntry(ctx, e)
}

// Assign gives a case to assignee. EINVALID for an empty name or a closed
// case.
func (s *Service) Assign(ctx context.Context, id int64, assignee, author string) error {
	assignee = posguard.MaskFreeText(strings.TrimSpace(assignee))
	if assignee == "" || strings.TrimSpace(author) == "" {
		return posguard.Errorf(posguard.EINVALID, "assignee and author are required")
	}
	c, err := s.Store.Case(ctx, id)
	if err != nil {
		return err
	}
	if c.Status == posguard.CaseClosed {
		return posguard.Errorf(posguard.EINVALID, "case %d is closed", id)
	}
	return s.update(ctx, posguard.CaseUpdate{
		ID: id, FromStatus: c.Status, Assignee: assignee, At: s.now(),
		Entry: &posguard.CaseEntry{Kind: posguard.EntryAssign, Author: author, Text: "assigned to " + assignee},
	})
}

// SetStatus moves a case to status. EINVALID if the move is not allowed
// (see posguard.CaseStatus.CanMoveTo) or the status is resolved (use
// Resolve, which needs an outcome); ECONFLICT if the case changed meanwhile.
func (s *Service) SetStatus(ctx context.Context, id int64, status posguard.CaseStatus, author, note string) error {
	if status == posguard.CaseResolved {
		return posguard.Errorf(posguard.EINVALID, "status: resolving a case needs an outcome (use resolve)")
	}
	return s.move(ctx, id, status, author, note, "")
}

// Resolve marks a case resolved with outcome, recorded as its 处理结果.
func (s *Service) Resolve(ctx context.Context, id int64, outcome, author string) error {
	if strings.TrimSpace(outcome) == "" {
		return posguard.Errorf(posguard.EINVALID, "outcome: required to resolve a case")
	}
	return s.move(ctx, id, posguard.CaseResolved, author, "", strings.TrimSpace(outcome))
}

// move applies one status transition.
func (s *Service) move(ctx context.Context, id int64, status posguard.CaseStatus, author, note, outcome string) error {
	if !status.Valid() {
		return posguard.Errorf(posguard.EINVALID, "status: unknown case status %q", status)
	}
	note, outcome = posguard.MaskFreeText(note), posguard.MaskFreeText(outcome)
	if strings.TrimSpace(author) == "" {
		return posguard.Errorf(posguard.EINVALID, "author: required")
	}
	c, err := s.Store.Case(ctx, id)
	if err != nil {
		return err
	}
	if !c.Status.CanMoveTo(status) {
		return posguard.Errorf(posguard.EINVALID, "status: case %d cannot move from %s to %s", id, c.Status, status)
	}
	e := &posguard.CaseEntry{Kind: posguard.EntryStatus, Author: author, Text: string(c.Status) + " → " + string(status)}
	if note != "" {
		e.Text += ": " + note
	}
	if outcome != "" {
		e = &posguard.CaseEntry{Kind: posguard.EntryOutcome, Author: author, Text: outcome}
	}
	return s.update(ctx, posguard.CaseUpdate{ID: id, FromStatus: c.Status, Status: status, Outcome: outcome, Entry: e, At: s.now()})
}

// update stores u, which a request's audit record (posguard.NoteAudit)
// shows as the case's change.
func (s *Service) update(ctx context.Context, u posguard.CaseUpdate) error {
	posguard.NoteAudit(ctx, u)
	return s.Store.UpdateCase(ctx, u)
}

// Escalate raises the priority of active cases that have aged into a higher
// one and brings their due time forward; it returns how many changed.
func (s *Service) Escalate(ctx context.Context) (int, error) {
	n := 0
	now := s.now()
	for _, st := range []posguard.CaseStatus{posguard.CaseOpen, posguard.CaseInvestigating, posguard.CaseWaitingMerchant} {
		after := int64(0)
		for {
			list, err := s.Store.Cases(ctx, posguard.CaseFilter{Status: st, After: after, Limit: 500})
			if err != nil {
				return n, err
			}
			for _, c := range list {
				age := now.Sub(c.CreatedAt)
				if c.TxnID != 0 {
					if t, err := s.Store.ByID(ctx, c.TxnID); err == nil {
						age = now.Sub(t.CreatedAt)
					}
				}
				p := PriorityFor(c.Kind, c.Amount, age)
				if !Higher(p, c.Priority) {
					continue
				}
				due := DueAt(p, now)
				if !c.DueAt.IsZero() && c.DueAt.Before(due) {
					due = c.DueAt
				}
				err := s.Store.UpdateCase(ctx, posguard.CaseUpdate{ID: c.ID, FromStatus: c.Status, Priority: p, DueAt: due, At: now,
					Entry: &posguard.CaseEntry{Kind: posguard.EntryNote, Author: System, Text: "priority raised " + string(c.Priority) + " → " + string(p) + " by age"}})
				if err != nil && posguard.ErrorCode(err) != posguard.ECONFLICT {
					return n, err
				}
				n++
			}
			if len(list) < 500 {
				break
			}
			after = list[len(list)-1].ID
		}
	}
	return n, nil
}
