package onboarding

import (
	"context"
	"encoding/json"
	"log/slog"

	"github.com/posguard/posguard"
)

// Actor is who asks for a change: the authenticated user (never a name
// taken from a request body) and where the request came from.
type Actor struct {
	Name   string
	Role   posguard.Role
	Remote string
}

// System is the actor of changes posguard makes itself (a risk rule
// freezing a merchant).
var System = Actor{Name: "posguard"}

// Auditor appends audit records for the changes of a service. A nil
// Auditor records nothing.
type Auditor struct {
	Store  posguard.AuditStore
	Logger *slog.Logger
}

// Record appends one record: actor did action to object with outcome, and
// changes (marshalled to JSON; it must hold no secret). A failure to append
// is logged: the change it describes has already happened.
func (a *Auditor) Record(ctx context.Context, actor Actor, action, object, outcome string, before, after any) {
	for _, r := range a.For(actor, action, object, outcome, before, after) {
		if err := a.Store.AppendAudit(ctx, r); err != nil && a.Logger != nil {
			a.Logger.Error("audit append", "action", action, "object", object, "err", err)
		}
	}
}

// For returns the record Record would append (none for a nil Auditor), for
// a store that writes it in the change's own transaction.
func (a *Auditor) For(actor Actor, action, object, outcome string, before, after any) []*posguard.AuditRecord {
	if a == nil || a.Store == nil {
		return nil
	}
	changes := ""
	if before != nil || after != nil {
		if b, err := json.Marshal(map[string]any{"before": before, "after": after}); err == nil {
			changes = string(b)
		}
	}
	return []*posguard.AuditRecord{{User: actor.Name, Role: actor.Role, Remote: actor.Remote,
		Action: action, Object: object, Outcome: outcome, Changes: changes}}
}

// MaskAccount keeps the last four characters of an account number.
func MaskAccount(n string) string {
	if len(n) <= 4 {
		return n
	}
	b := make([]byte, len(n)-4)
	for i := range b {
		b[i] = '*'
	}
	return string(b) + n[len(n)-4:]
}
