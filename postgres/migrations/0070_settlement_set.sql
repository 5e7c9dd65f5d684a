-- Settlement as set-based SQL (a T+1 run assigns a day's items with one
-- INSERT … SELECT). Indexes follow the queries that remain:
--
--   settlement_items kept an index on batch_id, txn_id and orig_id for every
--     row, so assigning 1,000,000 items wrote 3,000,000 index entries in
--     random order. Rows in a batch are now reached by seq only (their
--     transaction's postings are found through ledger_postings' own txn and
--     orig indexes); the partial indexes below hold only the few rows under
--     review or released from it, which the hold, release and re-settlement
--     queries look up by transaction, by merchant and by state.
--   ledger_postings_items (merchant_id, date) WHERE item = 1 also carries
--     net, so the per-merchant totals of a run read the index alone, already
--     grouped by merchant.
DROP INDEX settlement_items_batch;
DROP INDEX settlement_items_txn;
DROP INDEX settlement_items_orig;
CREATE INDEX settlement_items_open_txn ON settlement_items (txn_id) WHERE state <> 'batch';
CREATE INDEX settlement_items_open_orig ON settlement_items (orig_id) WHERE state <> 'batch';
CREATE INDEX settlement_items_open_state ON settlement_items (state, merchant_id) WHERE state <> 'batch';
DROP INDEX ledger_postings_items;
CREATE INDEX ledger_postings_items ON ledger_postings (merchant_id, date, net) WHERE item = 1;
