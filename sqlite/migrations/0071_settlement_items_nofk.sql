-- posguard:foreign-keys-off
-- settlement_items.seq referenced ledger_postings (seq): every item a
-- settlement run assigns was checked by a foreign-key lookup. Every row is
-- written by an INSERT … SELECT from ledger_postings, whose rows are never
-- deleted (the append-only trigger), so the reference holds by
-- construction; the table is rebuilt without it (SQLite cannot drop a
-- constraint), with the indexes of 0070.
CREATE TABLE settlement_items_new (
    seq         INTEGER PRIMARY KEY,
    txn_id      INTEGER NOT NULL,
    orig_id     INTEGER NOT NULL,
    merchant_id TEXT    NOT NULL,
    state       TEXT    NOT NULL,          -- batch | review | released
    batch_id    TEXT    NOT NULL,
    reason      TEXT    NOT NULL
);
INSERT INTO settlement_items_new (seq, txn_id, orig_id, merchant_id, state, batch_id, reason)
    SELECT seq, txn_id, orig_id, merchant_id, state, batch_id, reason FROM settlement_items;
DROP TABLE settlement_items;
ALTER TABLE settlement_items_new RENAME TO settlement_items;
CREATE INDEX settlement_items_open_txn ON settlement_items (txn_id) WHERE state <> 'batch';
CREATE INDEX settlement_items_open_orig ON settlement_items (orig_id) WHERE state <> 'batch';
CREATE INDEX settlement_items_open_state ON settlement_items (state, merchant_id) WHERE state <> 'batch';
