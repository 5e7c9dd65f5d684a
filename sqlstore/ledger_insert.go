package sqlstore

import (
	"context"
	"time"

	"github.com/posguard/posguard"
)

// insertPostings writes fresh (their Seq, PrevHash and Hash set) and their
// entries, entries in all, appended at at: on a database with array
// parameters with one statement per table whatever the batch's size
// (insertPostingArrays), otherwise with multi-row VALUES statements
// (insertRows).
func (s *Money) insertPostings(ctx context.Context, tx *Tx, fresh []*posguard.Posting, entries int, at time.Time) error {
	if s.DB.D.Arrays {
		return s.insertPostingArrays(ctx, tx, fresh, entries, at)
	}
	const postingArgs, entryArgs = 18, 6
	args := make([]any, 0, len(fresh)*postingArgs)
	all := make([]any, 0, entries*entryArgs)
	when := s.T(at)
	for _, p := range fresh {
		debits, credits := sides(p)
		args = append(args, p.Seq, p.Key, string(p.Kind), settles(p), p.TxnID, p.OrigID, p.MerchantID, p.Date, int64(p.Gross),
			int64(p.Fee), int64(p.Net), string(p.CardKind), p.Ref, int64(debits), int64(credits),
			p.PrevHash, p.Hash, when)
		for i, e := range p.Entries {
			all = append(all, p.Seq, int64(i), string(e.Account), e.Account.Merchant(), p.Date, int64(e.Amount))
		}
	}
	if err := insertRows(ctx, tx, "insert posting", `INSERT INTO ledger_postings (`+postingInsertCols+`) VALUES `, "",
		postingArgs, appendChunk, args); err != nil {
		return err
	}
	return insertRows(ctx, tx, "insert entry", `INSERT INTO ledger_entries (`+entryInsertCols+`) VALUES `, "",
		entryArgs, 2*appendChunk, all)
}

// The columns insertPostings writes.
const (
	postingInsertCols = `seq, key, kind, item, txn_id, orig_id, merchant_id, date, gross, fee, net, card_kind, ref,
		debits, credits, prev_hash, hash, at`
	entryInsertCols = `seq, idx, account, merchant_id, date, amount`
)

// insertPostingArrays is insertPostings with every column as one array
// parameter, unnest(…) turning them back into rows: two statements of
// fixed text (prepared once per connection) for any batch, and the
// driver encodes 17 + 6 arrays instead of 18 values per posting and 6 per
// entry. The time, the same for the whole batch, is one parameter.
func (s *Money) insertPostingArrays(ctx context.Context, tx *Tx, fresh []*posguard.Posting, entries int, at time.Time) error {
	n := len(fresh)
	ints := make([]int64, 9*n)
	seq, item, txn, orig, gross, fee, net, debits, credits := ints[:n], ints[n:2*n], ints[2*n:3*n], ints[3*n:4*n],
		ints[4*n:5*n], ints[5*n:6*n], ints[6*n:7*n], ints[7*n:8*n], ints[8*n:]
	strs := make([]string, 8*n)
	key, kind, mid, date, cardKind, ref, prev, hash := strs[:n], strs[n:2*n], strs[2*n:3*n], strs[3*n:4*n],
		strs[4*n:5*n], strs[5*n:6*n], strs[6*n:7*n], strs[7*n:]
	eInts := make([]int64, 3*entries)
	eSeq, eIdx, eAmount := eInts[:0:entries], eInts[entries:entries:2*entries], eInts[2*entries:2*entries]
	eStrs := make([]string, 3*entries)
	eAccount, eMid, eDate := eStrs[:0:entries], eStrs[entries:entries:2*entries], eStrs[2*entries:2*entries]
	for i, p := range fresh {
		d, c := sides(p)
		seq[i], item[i], txn[i], orig[i] = p.Seq, settles(p), p.TxnID, p.OrigID
		gross[i], fee[i], net[i], debits[i], credits[i] = int64(p.Gross), int64(p.Fee), int64(p.Net), int64(d), int64(c)
		key[i], kind[i], mid[i], date[i] = p.Key, string(p.Kind), p.MerchantID, p.Date
		cardKind[i], ref[i], prev[i], hash[i] = string(p.CardKind), p.Ref, p.PrevHash, p.Hash
		for j, e := range p.Entries {
			eSeq, eIdx, eAmount = append(eSeq, p.Seq), append(eIdx, int64(j)), append(eAmount, int64(e.Amount))
			eAccount, eMid, eDate = append(eAccount, string(e.Account)), append(eMid, e.Account.Merchant()), append(eDate, p.Date)
		}
	}
	if _, err := tx.Exec(ctx, "insert posting", `INSERT INTO ledger_postings (`+postingInsertCols+`)
		SELECT seq, key, kind, item, txn_id, orig_id, merchant_id, date, gross, fee, net, card_kind, ref,
			debits, credits, prev_hash, hash, ?
		FROM unnest(?::bigint[], ?::text[], ?::text[], ?::bigint[], ?::bigint[], ?::bigint[], ?::text[], ?::text[],
			?::bigint[], ?::bigint[], ?::bigint[], ?::text[], ?::text[], ?::bigint[], ?::bigint[], ?::text[], ?::text[])
			AS r (seq, key, kind, item, txn_id, orig_id, merchant_id, date, gross, fee, net, card_kind, ref,
				debits, credits, prev_hash, hash)`,
		s.T(at), seq, key, kind, item, txn, orig, mid, date, gross, fee, net, cardKind, ref, debits, credits, prev, hash); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, "insert entry", `INSERT INTO ledger_entries (`+entryInsertCols+`)
		SELECT * FROM unnest(?::bigint[], ?::bigint[], ?::text[], ?::text[], ?::text[], ?::bigint[])`,
		eSeq, eIdx, eAccount, eMid, eDate, eAmount)
	return err
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
