package sqlstore

import (
	"context"

	"github.com/posguard/posguard"
)

var _ posguard.BatchUploadStore = (*Store)(nil)

// uploadTable is batch_upload_items, keyed by terminal, batch and STAN.
var uploadTable = newTable("batch_upload_items", "", `terminal_id, batch, stan, card_org, pan_masked, pan_hash, amount, uploaded_at`,
	func(it *posguard.UploadItem) []any {
		return []any{&it.TerminalID, &it.Batch, &it.STAN, &it.CardOrg, &it.PANMasked, &it.PANHash, &it.Amount, &it.UploadedAt}
	})

// PutUploadItems stores a terminal's batch-upload items in one
// transaction; an item of the same terminal, batch and STAN replaces the
// stored one.
func (s *Store) PutUploadItems(ctx context.Context, items []posguard.UploadItem) error {
	if len(items) == 0 {
		return nil
	}
	return s.DB.InTx(ctx, "put upload items", func(tx *Tx) error {
		for _, it := range items {
			if it.UploadedAt.IsZero() {
				it.UploadedAt = s.NowUTC()
			}
			it.UploadedAt = it.UploadedAt.UTC()
			if err := uploadTable.add(ctx, tx, s, &it, ` ON CONFLICT (terminal_id, batch, stan) DO UPDATE SET `+
				setExcluded(uploadTable.cols, "terminal_id", "batch", "stan")); err != nil {
				return err
			}
		}
		return nil
	})
}

// UploadItems returns the batch-upload items of a terminal's batch, by
// STAN; an empty slice if none.
func (s *Store) UploadItems(ctx context.Context, terminalID, batch string) ([]posguard.UploadItem, error) {
	return queryAll(ctx, s.DB, "upload items", uploadTable.val, `SELECT `+uploadTable.cols+`
		FROM batch_upload_items WHERE terminal_id = ? AND batch = ? ORDER BY stan`, terminalID, batch)
}

// BatchTransactions returns the journal's transactions of a terminal's
// batch, by ID (the unique key index's terminal_id, batch prefix).
func (s *Store) BatchTransactions(ctx context.Context, terminalID, batch string) ([]*posguard.Transaction, error) {
	return queryAll(ctx, s.DB, "batch transactions", txnTable.scan, `SELECT `+TxnColumns+` FROM transactions
		WHERE terminal_id = ? AND batch = ? ORDER BY id`, terminalID, batch)
}
