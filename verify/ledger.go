package verify

import (
	"context"
	"errors"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/ledger"
)

// Ledger checks the ledger's chain and balances into r (ledger.Verify). It
// returns an error only when the store cannot be read.
func Ledger(ctx context.Context, s posguard.LedgerStore, r *Report) error {
	n, err := ledger.Verify(ctx, s)
	r.Postings = n
	var b *ledger.BreakError
	switch {
	case errors.As(err, &b):
		if b.Seq == 0 {
			r.add("ledger", "%s", b.Problem)
		} else {
			r.add("ledger", "posting %d: %s", b.Seq, b.Problem)
		}
	case err != nil:
		return err
	}
	bals, err := s.Balances(ctx, posguard.BalanceFilter{})
	if err != nil {
		return err
	}
	r.Accounts = len(bals)
	return nil
}
