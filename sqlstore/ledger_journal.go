package sqlstore

import (
	"context"
	"errors"

	"github.com/posguard/posguard"
)

// JournalChanges implements posguard.LedgerStore.
func (s *Money) JournalChanges(ctx context.Context, after int64, n int) ([]posguard.JournalChange, error) {
	rows, err := s.DB.Read.Query(ctx, s.DB.Q(`SELECT e.id, e.state, t.id, t.type, t.merchant_id, t.issuer_bin,
		t.entry_mode, t.amount, t.settlement_date, t.state, t.orig_id
		FROM txn_events e JOIN transactions t ON t.id = e.txn_id
		WHERE e.id > ? ORDER BY e.id LIMIT ?`), after, limit(n, 1000, 100000))
	if err != nil {
		return nil, s.DB.Err(err, "journal changes")
	}
	defer rows.Close()
	var out []posguard.JournalChange
	for rows.Next() {
		var c posguard.JournalChange
		t := &posguard.Transaction{}
		var est, typ, st string
		var amt int64
		if err := rows.Scan(&c.EventID, &est, &t.ID, &typ, &t.MerchantID, &t.IssuerBIN, &t.EntryMode, &amt,
			&t.SettlementDate, &st, &t.OrigID); err != nil {
			return nil, s.DB.Err(err, "scan journal change")
		}
		c.State, t.Type, t.State, t.Amount = posguard.State(est), posguard.TxnType(typ), posguard.State(st), posguard.Amount(amt)
		c.Txn = t
		out = append(out, c)
	}
	return out, s.DB.Err(rows.Err(), "read journal changes")
}

// Cursor implements posguard.LedgerStore.
func (s *Money) Cursor(ctx context.Context, name string) (int64, error) {
	var v int64
	err := s.DB.Read.QueryRow(ctx, s.DB.Q(`SELECT value FROM ledger_cursors WHERE name = ?`), name).Scan(&v)
	if errors.Is(err, ErrNoRows) {
		return 0, nil
	}
	return v, s.DB.Err(err, "read cursor")
}

// SetCursor implements posguard.LedgerStore.
func (s *Money) SetCursor(ctx context.Context, name string, v int64) error {
	_, err := s.DB.Write.Exec(ctx, s.DB.Q(`INSERT INTO ledger_cursors (name, value) VALUES (?, ?)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value`), name, v)
	return s.DB.Err(err, "set cursor")
}

// PutCardKinds implements posguard.LedgerStore.
func (s *Money) PutCardKinds(ctx context.Context, kinds map[string]posguard.CardKind) error {
	return s.inTx(ctx, "put card kinds", func(tx Querier) error {
		for bin, k := range kinds {
			if k != posguard.CardDebit && k != posguard.CardCredit {
				return posguard.Errorf(posguard.EINVALID, "card kind %q for BIN %s: want debit or credit", k, bin)
			}
			if _, err := tx.Exec(ctx, s.DB.Q(`INSERT INTO card_kinds (bin, kind) VALUES (?, ?)
				ON CONFLICT (bin) DO UPDATE SET kind = excluded.kind`), bin, string(k)); err != nil {
				return err
			}
		}
		return nil
	})
}

// CardKinds implements posguard.LedgerStore.
func (s *Money) CardKinds(ctx context.Context) (map[string]posguard.CardKind, error) {
	rows, err := s.DB.Read.Query(ctx, `SELECT bin, kind FROM card_kinds`)
	if err != nil {
		return nil, s.DB.Err(err, "card kinds")
	}
	defer rows.Close()
	out := map[string]posguard.CardKind{}
	for rows.Next() {
		var b, k string
		if err := rows.Scan(&b, &k); err != nil {
			return nil, s.DB.Err(err, "scan card kind")
		}
		out[b] = posguard.CardKind(k)
	}
	return out, s.DB.Err(rows.Err(), "read card kinds")
}

// PutFeePlan implements posguard.LedgerStore.
func (s *Money) PutFeePlan(ctx context.Context, name string, body []byte) error {
	_, err := s.DB.Write.Exec(ctx, s.DB.Q(`INSERT INTO fee_plans (name, body) VALUES (?, ?)
		ON CONFLICT (name) DO UPDATE SET body = excluded.body`), name, string(body))
	return s.DB.Err(err, "put fee plan")
}

// FeePlans implements posguard.LedgerStore.
func (s *Money) FeePlans(ctx context.Context) (map[string][]byte, error) {
	rows, err := s.DB.Read.Query(ctx, `SELECT name, body FROM fee_plans`)
	if err != nil {
		return nil, s.DB.Err(err, "fee plans")
	}
	defer rows.Close()
	out := map[string][]byte{}
	for rows.Next() {
		var n, b string
		if err := rows.Scan(&n, &b); err != nil {
			return nil, s.DB.Err(err, "scan fee plan")
		}
		out[n] = []byte(b)
	}
	return out, s.DB.Err(rows.Err(), "read fee plans")
}
