// Package audit checks posguard's audit log: the append-only, hash-chained
// record of every login and every change (the store keeps it; see
// posguard.AuditStore and docs/security.md).
package audit

import (
	"context"

	"github.com/posguard/posguard"
)

// Verify walks the whole audit log: each record must follow the one before
// (ids 1, 2, …), link to its hash, and carry the hash of its own content;
// the last must be the store's head. It returns the number of records
// checked, or an EINTERNAL error naming the first record that fails.
func Verify(ctx context.Context, s posguard.AuditStore) (int64, error) {
	const page = 10000
	var id int64
	prev := ""
	for {
		recs, err := s.AuditChain(ctx, id, page)
		if err != nil {
			return id, err
		}
		for _, r := range recs {
			if r.ID != id+1 {
				return id, posguard.Errorf(posguard.EINTERNAL, "audit: record %d follows record %d: a record is missing", r.ID, id)
			}
			if r.PrevHash != prev {
				return id, posguard.Errorf(posguard.EINTERNAL, "audit: record %d does not link to the hash of record %d", r.ID, id)
			}
			if h := posguard.AuditHash(prev, r); h != r.Hash {
				return id, posguard.Errorf(posguard.EINTERNAL, "audit: record %d (%s by %q at %s): content does not match its hash",
					r.ID, r.Action, r.User, r.At.Format("2006-01-02T15:04:05Z07:00"))
			}
			id, prev = r.ID, r.Hash
		}
		if len(recs) < page {
			break
		}
	}
	headID, headHash, err := s.AuditHead(ctx)
	if err != nil {
		return id, err
	}
	if headID != id || headHash != prev {
		return id, posguard.Errorf(posguard.EINTERNAL, "audit: the head is record %d, the chain ends at record %d", headID, id)
	}
	return id, nil
}
