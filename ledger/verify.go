package ledger

import (
	"context"

	"github.com/posguard/posguard"
)

// Verify walks the whole chain: each posting must balance, link to the hash
// before it, carry the hash of its own content, and the last must be the
// store's head. It returns the number of postings checked, or an EINTERNAL
// error naming the first posting that fails.
func Verify(ctx context.Context, s posguard.LedgerStore) (int64, error) {
	var seq int64
	prev := ""
	for {
		ps, err := s.Postings(ctx, seq, 10000)
		if err != nil {
			return seq, err
		}
		for _, p := range ps {
			if p.Seq != seq+1 {
				return seq, posguard.Errorf(posguard.EINTERNAL, "ledger: posting %d follows %d: a posting is missing", p.Seq, seq)
			}
			if err := p.Balanced(); err != nil {
				return seq, posguard.WrapError(posguard.EINTERNAL, err, "ledger: posting %d", p.Seq)
			}
			if p.PrevHash != prev {
				return seq, posguard.Errorf(posguard.EINTERNAL, "ledger: posting %d does not link to the hash of posting %d", p.Seq, seq)
			}
			if h := posguard.PostingHash(prev, p); h != p.Hash {
				return seq, posguard.Errorf(posguard.EINTERNAL, "ledger: posting %d: content does not match its hash", p.Seq)
			}
			seq, prev = p.Seq, p.Hash
		}
		if len(ps) < 10000 {
			break
		}
	}
	headSeq, headHash, err := s.LedgerHead(ctx)
	if err != nil {
		return seq, err
	}
	if headSeq != seq || headHash != prev {
		return seq, posguard.Errorf(posguard.EINTERNAL, "ledger: head is posting %d, the chain ends at %d", headSeq, seq)
	}
	return seq, nil
}
