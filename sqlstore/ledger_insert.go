package sqlstore

import (
	"context"
	"time"

	"github.com/posguard/posguard"
)

// insertPostings writes fresh (their Seq, PrevHash and Hash set) and their
// entries, entries in all, appended at at, with insertColumns: one
// statement per table whatever the batch's size on a database with array
// parameters, otherwise multi-row VALUES statements.
func (s *Money) insertPostings(ctx context.Context, tx *Tx, fresh []*posguard.Posting, entries int, at time.Time) error {
	const postingArgs, entryArgs = 18, 6
	args := make([]any, 0, len(fresh)*postingArgs)
	all := make([]any, 0, entries*entryArgs)
	for _, p := range fresh {
		debits, credits := sides(p)
		args = append(args, p.Seq, p.Key, string(p.Kind), settles(p), p.TxnID, p.OrigID, p.MerchantID, p.Date, int64(p.Gross),
			int64(p.Fee), int64(p.Net), string(p.CardKind), p.Ref, int64(debits), int64(credits),
			p.PrevHash, p.Hash, s.T(at))
		for i, e := range p.Entries {
			all = append(all, p.Seq, int64(i), string(e.Account), e.Account.Merchant(), p.Date, int64(e.Amount))
		}
	}
	if err := insertColumns(ctx, tx, "insert posting", `INSERT INTO ledger_postings (seq, key, kind, item, txn_id, orig_id,
		merchant_id, date, gross, fee, net, card_kind, ref, debits, credits, prev_hash, hash, at)`, postingArgs, appendChunk, args); err != nil {
		return err
	}
	return insertColumns(ctx, tx, "insert entry", `INSERT INTO ledger_entries (seq, idx, account, merchant_id, date, amount)`,
		entryArgs, 2*appendChunk, all)
}

// sides returns the sum of p's debits and of its credits (both positive).
func sides(p *posguard.Posting) (debits, credits posguard.Amount) {
	for _, e := range p.Entries {
		if e.Amount > 0 {
			debits += e.Amount
		} else {
			credits -= e.Amount
		}
	}
	return debits, credits
}

// settles is the item column of p: 1 for a settlement item, else 0.
func settles(p *posguard.Posting) int64 {
	if p.Kind.Settles() {
		return 1
	}
	return 0
}
