package sqlstore

import (
	"context"

	"github.com/posguard/posguard"
)

// AppendPostings implements posguard.LedgerStore.
func (s *Money) AppendPostings(ctx context.Context, ps []*posguard.Posting) (int, error) {
	appendIn := func(look bool) (int, error) {
		return inTx(ctx, s.DB, "append postings", func(tx *Tx) (int, error) { return s.appendTx(ctx, tx, ps, look) })
	}
	if s.DB.D.Arrays {
		// One key lookup for the whole batch (an array parameter): cheap.
		return appendIn(true)
	}
	// Without arrays the key lookup binds every key and costs about a
	// tenth of a posting, and the keys a caller appends are almost always
	// new (the ledger poster leaves out what it appended itself). So first
	// append without looking: the unique key index refuses a known key,
	// and only then is the batch appended again with the lookup, which
	// skips it. The result is the same either way.
	if n, err := appendIn(false); posguard.ErrorCode(err) != posguard.ECONFLICT {
		return n, err
	}
	return appendIn(true)
}

// appendTx appends ps inside tx: it takes the head (locked on PostgreSQL),
// skips known keys (and a key repeated in ps after its first), writes the
// postings and their entries with multi-row statements, checks that every
// new posting's entries sum to zero and moves the head. With look false it
// does not look the keys of ps up in the ledger, and a known one makes the
// insert fail (ECONFLICT) instead of being skipped.
func (s *Money) appendTx(ctx context.Context, tx *Tx, ps []*posguard.Posting, look bool) (int, error) {
	seq, hash, err := s.head(ctx, tx, s.DB.D.ForUpdate)
	if err != nil {
		return 0, err
	}
	for _, p := range ps {
		if err := p.Balanced(); err != nil {
			return 0, err
		}
	}
	known := make(map[string]bool, len(ps))
	if look {
		if known, err = s.knownKeys(ctx, tx, ps); err != nil {
			return 0, err
		}
	}
	first := seq + 1
	at := s.NowUTC()
	fresh := make([]*posguard.Posting, 0, len(ps))
	entries := 0
	for _, p := range ps {
		if known[p.Key] {
			continue
		}
		known[p.Key] = true
		seq++
		p.Seq, p.PrevHash, p.At = seq, hash, at
		p.Hash = posguard.PostingHash(hash, p)
		hash = p.Hash
		fresh = append(fresh, p)
		entries += len(p.Entries)
	}
	if len(fresh) == 0 {
		return 0, nil
	}
	if err := s.insertPostings(ctx, tx, fresh, entries, at); err != nil {
		return 0, err
	}
	// The store's own balance check: every posting just written nets to zero.
	if bad, err := queryOne(ctx, tx, "", none, one[int64],
		`SELECT seq FROM ledger_entries WHERE seq >= ? GROUP BY seq HAVING SUM(amount) <> 0 LIMIT 1`, first); err != nil {
		return 0, s.DB.Err(err, "check balance")
	} else if bad != 0 {
		return 0, posguard.Errorf(posguard.EINVALID, "ledger: posting %d does not balance", bad)
	}
	if _, err := tx.Exec(ctx, "move ledger head", `UPDATE ledger_head SET seq = ?, hash = ? WHERE id = 1`, seq, hash); err != nil {
		return 0, err
	}
	return len(fresh), nil
}

// appendChunk is the most postings one multi-row INSERT writes (a power of
// two; entries go twice as many to a statement).
const appendChunk = 64

// knownKeys returns which keys of ps the ledger holds already.
func (s *Money) knownKeys(ctx context.Context, tx *Tx, ps []*posguard.Posting) (map[string]bool, error) {
	known := make(map[string]bool, len(ps))
	keys, args := make([]string, len(ps)), make([]any, len(ps))
	for i, p := range ps {
		keys[i], args[i] = p.Key, p.Key
	}
	if s.DB.D.Arrays {
		// One statement for any number of keys: the keys as one text[].
		return known, markKeys(ctx, tx, known, `SELECT key FROM ledger_postings WHERE key = ANY(?::text[])`, keys)
	}
	for _, k := range chunkSizes(len(args), appendChunk) {
		if err := markKeys(ctx, tx, known, `SELECT key FROM ledger_postings WHERE key IN `+values(1, k), args[:k]...); err != nil {
			return nil, err
		}
		args = args[k:]
	}
	return known, nil
}

// markKeys runs query, which selects posting keys, and marks each in known.
func markKeys(ctx context.Context, tx *Tx, known map[string]bool, query string, args ...any) error {
	keys, err := queryAll(ctx, tx, "check posting keys", one[string], query, args...)
	for _, k := range keys {
		known[k] = true
	}
	return err
}

const postingCols = `seq, key, kind, txn_id, orig_id, merchant_id, date, gross, fee, net, card_kind, ref, prev_hash, hash, at`

// Postings implements posguard.LedgerStore.
func (s *Money) Postings(ctx context.Context, after int64, n int) ([]*posguard.Posting, error) {
	return s.queryPostings(ctx, `SELECT `+postingCols+` FROM ledger_postings WHERE seq > ? ORDER BY seq LIMIT ?`,
		after, pageLimit(n, 1000, 100000))
}

// PostingsForTxn implements posguard.LedgerStore.
func (s *Money) PostingsForTxn(ctx context.Context, id int64) ([]*posguard.Posting, error) {
	if id == 0 {
		return s.queryPostings(ctx, `SELECT `+postingCols+` FROM ledger_postings WHERE txn_id = 0 OR orig_id = 0 ORDER BY seq`)
	}
	// The "<> 0" terms let both databases use the partial indexes on
	// txn_id and orig_id (without them the query scans the ledger).
	return s.queryPostings(ctx, `SELECT `+postingCols+` FROM ledger_postings
		WHERE (txn_id = ? AND txn_id <> 0) OR (orig_id = ? AND orig_id <> 0) ORDER BY seq`, id, id)
}

// PostingsByRef implements posguard.LedgerStore.
func (s *Money) PostingsByRef(ctx context.Context, ref string) ([]*posguard.Posting, error) {
	return s.queryPostings(ctx, `SELECT `+postingCols+` FROM ledger_postings WHERE ref = ? ORDER BY seq`, ref)
}

// queryPostings runs a posting query and loads the entries of the rows.
func (s *Money) queryPostings(ctx context.Context, query string, args ...any) ([]*posguard.Posting, error) {
	ps, err := queryAll(ctx, s.DB, "query postings", func(r Row) (*posguard.Posting, error) {
		p := &posguard.Posting{}
		return p, r.Scan(&p.Seq, &p.Key, &p.Kind, &p.TxnID, &p.OrigID, &p.MerchantID, &p.Date, &p.Gross, &p.Fee, &p.Net,
			&p.CardKind, &p.Ref, &p.PrevHash, &p.Hash, TimeCol(&p.At))
	}, query, args...)
	if err != nil || len(ps) == 0 {
		return ps, err
	}
	bySeq := make(map[int64]*posguard.Posting, len(ps))
	for _, p := range ps {
		bySeq[p.Seq] = p
	}
	return ps, s.DB.Each(ctx, "query entries", func(r Row) error {
		var seq int64
		var e posguard.Entry
		if err := r.Scan(&seq, &e.Account, &e.Amount); err != nil {
			return err
		}
		if p := bySeq[seq]; p != nil {
			p.Entries = append(p.Entries, e)
		}
		return nil
	}, `SELECT seq, account, amount FROM ledger_entries WHERE seq BETWEEN ? AND ? ORDER BY seq, idx`, ps[0].Seq, ps[len(ps)-1].Seq)
}

// Balances implements posguard.LedgerStore.
func (s *Money) Balances(ctx context.Context, f posguard.BalanceFilter) ([]posguard.Balance, error) {
	a := Args{}
	q := `SELECT account, SUM(amount) FROM ledger_entries WHERE 1 = 1` + a.Eq("merchant_id", f.MerchantID, "date <=", f.UpTo)
	if f.MerchantID != "" {
		// The predicate of the partial index ledger_entries_merchant
		// (migration 0080), so the database may use it.
		q += ` AND merchant_id <> ''`
	}
	return queryAll(ctx, s.DB, "balances", func(r Row) (b posguard.Balance, err error) {
		err = r.Scan(&b.Account, &b.Amount)
		return b, err
	}, q+` GROUP BY account HAVING SUM(amount) <> 0 ORDER BY account`, a.List...)
}

// LedgerHead implements posguard.LedgerStore.
func (s *Money) LedgerHead(ctx context.Context) (int64, string, error) {
	return s.head(ctx, s.DB, "")
}

// MerchantPostings implements posguard.LedgerStore.
func (s *Money) MerchantPostings(ctx context.Context, mid, from, to string) ([]*posguard.Posting, error) {
	a := Args{List: []any{mid}}
	return s.queryPostings(ctx, `SELECT `+postingCols+` FROM ledger_postings WHERE merchant_id = ?`+a.Eq("date >=", from, "date <=", to)+
		` ORDER BY seq`, a.List...)
}
