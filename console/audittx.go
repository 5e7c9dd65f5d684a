package console

import (
	"sync"

	"github.com/posguard/posguard"
)

// pageAudit is a state-changing console request's audit record waiting for
// the change it describes: the request's posguard.TxAuditor. The store
// appends it (action "console <pattern>", the request's object and
// changes, outcome "ok") as the last statement of the first write
// transaction the action runs, so the change and its record commit
// together or not at all. A request whose action changed nothing through a
// store transaction (refused, failed, a repeat) gets its record from page,
// after the handler, as before.
type pageAudit struct {
	q      *request
	action string

	mu      sync.Mutex
	fill    func(v any) (object, changes string) // see request.auditFill
	noted   any                                  // the last value domain code noted (posguard.NoteAudit)
	written bool                                 // the record committed with a change
}

// auditFill sets how the request's record shows what is known only inside
// the action's transaction (a new row's ID, a value the domain notes with
// posguard.NoteAudit): f gets the last noted value (nil when none) and
// returns the record's object and changes ("" keeps the request's). It runs
// when the record is built, inside that transaction; the request's own
// object and changes are left as they are (for a record written after a
// failure).
func (q *request) auditFill(f func(v any) (object, changes string)) {
	if q.audit != nil {
		q.audit.mu.Lock()
		q.audit.fill = f
		q.audit.mu.Unlock()
	}
}

// AuditNote implements posguard.TxAuditor. A console request has one
// record: a note fills it in, it never makes a second one due.
func (a *pageAudit) AuditNote(v any) {
	a.mu.Lock()
	a.noted = v
	a.mu.Unlock()
}

// TxRecord implements posguard.TxAuditor: the "ok" record, until one has
// committed.
func (a *pageAudit) TxRecord() *posguard.AuditRecord {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.written {
		return nil
	}
	object, changes := a.q.object, a.q.changes
	if a.fill != nil {
		o, c := a.fill(a.noted)
		if o != "" {
			object = o
		}
		if c != "" {
			changes = c
		}
	}
	return a.q.s.Auth.Record(a.q.r, a.action, object, "ok", changes)
}

// TxCommitted implements posguard.TxAuditor.
func (a *pageAudit) TxCommitted(*posguard.AuditRecord) {
	a.mu.Lock()
	a.written = true
	a.mu.Unlock()
}

// committed reports whether the record committed with the action's change.
func (a *pageAudit) committed() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.written
}
