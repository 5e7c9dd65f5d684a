package posguard

import "context"

// TxAuditor is a request's audit record waiting for the change it
// describes. A store runs every write transaction whose context carries one
// (WithTxAuditor) so that, when the transaction changed something, the
// record TxRecord returns is appended as its last statement (after the
// ledger's head: the audit head stays the last lock every transaction
// takes) and commits with the change or not at all.
type TxAuditor interface {
	// TxRecord returns the record to append in the write transaction about
	// to commit, or nil when none is due (a request's record commits once,
	// with its first write transaction, unless a note made a new one due).
	TxRecord() *AuditRecord
	// TxCommitted is told that r committed with its transaction.
	TxCommitted(r *AuditRecord)
	// AuditNote is told what domain code notes about a change from inside
	// it (NoteAudit): e.g. the new payout of a re-settlement, whose record
	// then names it. A note makes a new record due: a request that changes
	// several things in several transactions (a batch) notes each, and each
	// transaction commits its own record.
	AuditNote(v any)
}

type txAuditorKey struct{}

// WithTxAuditor returns ctx carrying a (nil: carrying none, for a write that
// is no change of the request's, such as appending another audit record).
func WithTxAuditor(ctx context.Context, a TxAuditor) context.Context {
	return context.WithValue(ctx, txAuditorKey{}, a)
}

// TxAuditorOf returns the TxAuditor ctx carries, or nil.
func TxAuditorOf(ctx context.Context) TxAuditor {
	a, _ := ctx.Value(txAuditorKey{}).(TxAuditor)
	return a
}

// NoteAudit tells the audit record waiting in ctx (if any) about the change
// about to be made, before its transaction: see TxAuditor.AuditNote.
func NoteAudit(ctx context.Context, v any) {
	if a := TxAuditorOf(ctx); a != nil {
		a.AuditNote(v)
	}
}
