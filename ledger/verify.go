package ledger

import (
	"context"
	"fmt"

	"github.com/posguard/posguard"
)

// BreakError is a break in the ledger: the posting (0 when the break is not
// one posting's, e.g. a balance) and what is wrong. Verify returns it
// wrapped in an EINTERNAL posguard.Error; errors.As finds it, which tells a
// break from a store that could not be read.
type BreakError struct {
	Seq     int64
	Problem string
}

// Error returns "ledger: posting N: problem" (or "ledger: problem").
func (e *BreakError) Error() string {
	if e.Seq == 0 {
		return "ledger: " + e.Problem
	}
	return fmt.Sprintf("ledger: posting %d: %s", e.Seq, e.Problem)
}

func broken(seq int64, format string, args ...any) error {
	return posguard.WrapError(posguard.EINTERNAL, &BreakError{Seq: seq, Problem: fmt.Sprintf(format, args...)}, "")
}

// Verify walks the whole chain: each posting must balance, link to the hash
// before it, carry the hash of its own content, and the last must be the
// store's head. Then the balances the store reports must be the sums of
// the postings' entries (which add up to zero, every posting being
// balanced). It returns the number of postings checked, or an EINTERNAL
// error wrapping a *BreakError naming the first break; any other error is
// the store's.
func Verify(ctx context.Context, s posguard.LedgerStore) (int64, error) {
	var seq int64
	prev := ""
	sums := map[posguard.Account]posguard.Amount{}
	for {
		ps, err := s.Postings(ctx, seq, 10000)
		if err != nil {
			return seq, err
		}
		for _, p := range ps {
			if p.Seq != seq+1 {
				return seq, broken(p.Seq, "follows posting %d: a posting is missing", seq)
			}
			if err := p.Balanced(); err != nil {
				return seq, broken(p.Seq, "%s", posguard.ErrorMessage(err))
			}
			if p.PrevHash != prev {
				return seq, broken(p.Seq, "does not link to the hash of posting %d", seq)
			}
			if h := posguard.PostingHash(prev, p); h != p.Hash {
				return seq, broken(p.Seq, "content does not match its hash")
			}
			for _, e := range p.Entries {
				sums[e.Account] += e.Amount
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
		return seq, broken(0, "head is posting %d, the chain ends at %d", headSeq, seq)
	}
	bals, err := s.Balances(ctx, posguard.BalanceFilter{})
	if err != nil {
		return seq, err
	}
	for _, b := range bals {
		if sums[b.Account] != b.Amount {
			return seq, broken(0, "account %s: the store's balance is %s, its postings sum to %s", b.Account, b.Amount, sums[b.Account])
		}
		delete(sums, b.Account)
	}
	for a, v := range sums {
		if v != 0 {
			return seq, broken(0, "account %s: its postings sum to %s, the store reports no balance", a, v)
		}
	}
	return seq, nil
}
