package sqlstore

import (
	"context"

	"github.com/posguard/posguard"
)

// postingStates are the event states that may call for postings (see
// posguard.LedgerStore.JournalChanges): every other event of a sale (its
// "forwarded", half of the journal) is left in the table, not joined to its
// transaction and not decoded.
const postingStates = `'` + string(posguard.StateApproved) + `', '` + string(posguard.StateReversed) + `'`

// JournalChanges implements posguard.LedgerStore.
func (s *Money) JournalChanges(ctx context.Context, after int64, n int) ([]posguard.JournalChange, error) {
	return queryAll(ctx, s.DB, "journal changes", func(r Row) (posguard.JournalChange, error) {
		// Plain destinations (then converted): the ledger poster reads every
		// change, and the drivers scan named types by reflection.
		c := posguard.JournalChange{Txn: &posguard.Transaction{}}
		t := c.Txn
		var est, typ, st string
		var amt int64
		err := r.Scan(&c.EventID, &est, &t.ID, &typ, &t.MerchantID, &t.IssuerBIN, &t.EntryMode, &amt, &t.SettlementDate, &st, &t.OrigID)
		c.State, t.Type, t.State, t.Amount = posguard.State(est), posguard.TxnType(typ), posguard.State(st), posguard.Amount(amt)
		return c, err
	}, `SELECT e.id, e.state, t.id, t.type, t.merchant_id, t.issuer_bin, t.entry_mode, t.amount, t.settlement_date, t.state, t.orig_id
		FROM txn_events e JOIN transactions t ON t.id = e.txn_id
		WHERE e.id > ? AND e.state IN (`+postingStates+`) ORDER BY e.id LIMIT ?`, after, pageLimit(n, 1000, 100000))
}

// Cursor implements posguard.LedgerStore.
func (s *Money) Cursor(ctx context.Context, name string) (int64, error) {
	return queryOne(ctx, s.DB, "read cursor", none, one[int64], `SELECT value FROM ledger_cursors WHERE name = ?`, name)
}

// SetCursor implements posguard.LedgerStore.
func (s *Money) SetCursor(ctx context.Context, name string, v int64) error {
	_, err := s.DB.Exec(ctx, "set cursor", `INSERT INTO ledger_cursors (name, value) VALUES (?, ?)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value`, name, v)
	return err
}

// PutCardKinds implements posguard.LedgerStore.
func (s *Money) PutCardKinds(ctx context.Context, kinds map[string]posguard.CardKind) error {
	var args []any
	for bin, k := range kinds {
		if k != posguard.CardDebit && k != posguard.CardCredit {
			return posguard.Errorf(posguard.EINVALID, "card kind %q for BIN %s: want debit or credit", k, bin)
		}
		args = append(args, bin, string(k))
	}
	return s.DB.InTx(ctx, "put card kinds", func(tx *Tx) error {
		return insertRows(ctx, tx, "put card kind", `INSERT INTO card_kinds (bin, kind) VALUES `,
			` ON CONFLICT (bin) DO UPDATE SET kind = excluded.kind`, 2, 64, args)
	})
}

// CardKinds implements posguard.LedgerStore.
func (s *Money) CardKinds(ctx context.Context) (map[string]posguard.CardKind, error) {
	return queryMap[string, posguard.CardKind](ctx, s.DB, "card kinds", `SELECT bin, kind FROM card_kinds`)
}

// PutFeePlan implements posguard.LedgerStore.
func (s *Money) PutFeePlan(ctx context.Context, name string, body []byte) error {
	_, err := s.DB.Exec(ctx, "put fee plan", `INSERT INTO fee_plans (name, body) VALUES (?, ?)
		ON CONFLICT (name) DO UPDATE SET body = excluded.body`, name, string(body))
	return err
}

// FeePlans implements posguard.LedgerStore.
func (s *Money) FeePlans(ctx context.Context) (map[string][]byte, error) {
	return queryMap[string, []byte](ctx, s.DB, "fee plans", `SELECT name, body FROM fee_plans`)
}
