package posguard

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"
)

// AuditRecord is one entry of the append-only, hash-chained audit log: who
// (User, Role, Remote) did what (Action) to which object, how it ended
// (Outcome) and, for a data change, what changed (Changes: a JSON object
// {"before": …, "after": …} that never holds a secret, a full card number
// or a password).
type AuditRecord struct {
	ID      int64
	At      time.Time
	User    string // the user's name; for a failed login the name tried
	Role    Role   // empty when no user was authenticated
	Remote  string // the client's address
	Action  string // e.g. "login", "POST /v1/cases/{id}/resolve"
	Object  string // e.g. "case/12", "merchant/898…"
	Outcome string // "ok", "failed", "denied", or an error code
	Changes string // JSON, empty when nothing changed
	// PrevHash is the Hash of the record before (empty for the first);
	// Hash covers PrevHash and every field above.
	PrevHash string
	Hash     string
}

// AuditHash is the hash of r chained to prev: SHA-256 over each field
// length-prefixed, hex-encoded (the ledger's technique, PostingHash). The
// fields are laid out in one buffer and hashed at once: a record costs one
// allocation (its hex string) when its fields fit in 1 kB, as a request's
// usually do.
func AuditHash(prev string, r *AuditRecord) string {
	var arr [1024]byte
	b := auditField(arr[:0], prev)
	var num [20]byte
	b = auditField(b, strconv.AppendInt(num[:0], r.ID, 10))
	b = auditField(b, strconv.AppendInt(num[:0], r.At.UTC().UnixNano(), 10))
	b = auditField(b, r.User)
	b = auditField(b, string(r.Role))
	b = auditField(b, r.Remote)
	b = auditField(b, r.Action)
	b = auditField(b, r.Object)
	b = auditField(b, r.Outcome)
	b = auditField(b, r.Changes)
	sum := sha256.Sum256(b)
	var out [2 * sha256.Size]byte
	hex.Encode(out[:], sum[:])
	return string(out[:])
}

// auditField appends field f to b as AuditHash hashes it: its length in
// decimal, a colon, the field.
func auditField[T string | []byte](b []byte, f T) []byte {
	b = strconv.AppendInt(b, int64(len(f)), 10)
	b = append(b, ':')
	return append(b, f...)
}

// AuditFilter selects audit records; zero fields do not filter.
type AuditFilter struct {
	User   string // exact name
	Action string // exact action
	Object string // exact object
	From   time.Time
	To     time.Time // exclusive
	Before int64     // records with ID below this (cursor); 0 from the newest
	Limit  int       // at most this many (the store caps it)
}

// AuditStore keeps the audit log. Records are never updated or deleted (the
// database refuses both).
type AuditStore interface {
	// AppendAudit sets r's ID, PrevHash and Hash (and At when zero) and
	// appends it.
	AppendAudit(ctx context.Context, r *AuditRecord) error
	// AuditRecords returns the records matching f, newest first.
	AuditRecords(ctx context.Context, f AuditFilter) ([]*AuditRecord, error)
	// AuditChain returns up to limit records with ID above after, oldest
	// first (for verification).
	AuditChain(ctx context.Context, after int64, limit int) ([]*AuditRecord, error)
	// AuditHead returns the ID and hash of the last record (0, "" when the
	// log is empty).
	AuditHead(ctx context.Context) (int64, string, error)
}
