-- posguard:foreign-keys-off
--
-- transactions and txn_events without AUTOINCREMENT. With AUTOINCREMENT every
-- insert also updates the table's row in sqlite_sequence: three extra row
-- writes per sale (the transaction and its two events), about a tenth of the
-- journal's write cost. A plain INTEGER PRIMARY KEY takes max(id) + 1, which
-- never hands out an ID a reader has seen as long as no row with the highest
-- ID is deleted; journal rows are never deleted, and the triggers below now
-- enforce that. List cursors and the ledger's txn_events cursor stay valid.
--
-- SQLite cannot drop AUTOINCREMENT in place: both tables are rebuilt (new
-- table, copy, drop, rename, indexes). Migrate runs this migration with
-- foreign-key enforcement off, because dropping transactions would otherwise
-- count every txn_events and reversals row as a violation, and checks the
-- whole schema with PRAGMA foreign_key_check before it commits.

CREATE TABLE transactions_new (
    id              INTEGER PRIMARY KEY, -- max(id) + 1; rows are never deleted, so never reused
    terminal_id     TEXT    NOT NULL,
    batch           TEXT    NOT NULL,
    stan            TEXT    NOT NULL,
    mti             TEXT    NOT NULL,
    type            TEXT    NOT NULL,
    content_hash    TEXT    NOT NULL,
    merchant_id     TEXT    NOT NULL,
    pan_masked      TEXT    NOT NULL,
    pan_hash        TEXT    NOT NULL,
    issuer_bin      TEXT    NOT NULL,
    card_org        TEXT    NOT NULL,
    amount          INTEGER NOT NULL,
    currency        TEXT    NOT NULL,
    proc_code       TEXT    NOT NULL,
    entry_mode      TEXT    NOT NULL,
    settlement_date TEXT    NOT NULL,          -- YYYY-MM-DD
    rrn             TEXT    NOT NULL,
    auth_code       TEXT    NOT NULL,
    response_code   TEXT    NOT NULL,
    reason          TEXT    NOT NULL,
    state           TEXT    NOT NULL,
    orig_id         INTEGER NOT NULL DEFAULT 0, -- 0 = no original
    refunded_amount INTEGER NOT NULL DEFAULT 0,
    upstream_stan   TEXT    NOT NULL,
    upstream_time   TEXT    NOT NULL,
    answer          TEXT,                      -- JSON object keyed by field number, NULL = none
    detail          TEXT,                      -- JSON object of strings, NULL = none
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
INSERT INTO transactions_new (id, terminal_id, batch, stan, mti, type, content_hash, merchant_id,
    pan_masked, pan_hash, issuer_bin, card_org, amount, currency, proc_code, entry_mode,
    settlement_date, rrn, auth_code, response_code, reason, state, orig_id, refunded_amount,
    upstream_stan, upstream_time, answer, detail, created_at, updated_at)
SELECT id, terminal_id, batch, stan, mti, type, content_hash, merchant_id,
    pan_masked, pan_hash, issuer_bin, card_org, amount, currency, proc_code, entry_mode,
    settlement_date, rrn, auth_code, response_code, reason, state, orig_id, refunded_amount,
    upstream_stan, upstream_time, answer, detail, created_at, updated_at
FROM transactions;
DROP TABLE transactions;
ALTER TABLE transactions_new RENAME TO transactions;

-- The indexes of 0001 and 0005, unchanged (0005 lists the query each serves).
CREATE UNIQUE INDEX transactions_key ON transactions (terminal_id, batch, stan, mti);
CREATE INDEX transactions_rrn ON transactions (rrn) WHERE rrn <> '';
CREATE INDEX transactions_merchant_id ON transactions (merchant_id, id);
CREATE INDEX transactions_created ON transactions (created_at);
CREATE INDEX transactions_daily ON transactions (merchant_id, settlement_date);
CREATE INDEX transactions_open ON transactions (state, id)
    WHERE state IN ('received', 'forwarded', 'timed_out', 'reversal_pending', 'reversal_failed');
CREATE INDEX transactions_failed ON transactions (response_code, id)
    WHERE response_code NOT IN ('', '00');

CREATE TABLE txn_events_new (
    id      INTEGER PRIMARY KEY, -- max(id) + 1; the ledger reads events in this order
    txn_id  INTEGER NOT NULL REFERENCES transactions (id),
    at      INTEGER NOT NULL,
    state   TEXT    NOT NULL,
    code    TEXT    NOT NULL,
    reason  TEXT    NOT NULL,
    note    TEXT    NOT NULL
);
INSERT INTO txn_events_new (id, txn_id, at, state, code, reason, note)
SELECT id, txn_id, at, state, code, reason, note FROM txn_events;
DROP TABLE txn_events;
ALTER TABLE txn_events_new RENAME TO txn_events;
CREATE INDEX txn_events_txn ON txn_events (txn_id, id);

-- Journal rows are never deleted: that is what keeps IDs from being reused.
CREATE TRIGGER transactions_no_delete BEFORE DELETE ON transactions
BEGIN SELECT RAISE(ABORT, 'journal rows are never deleted'); END;
CREATE TRIGGER txn_events_no_delete BEFORE DELETE ON txn_events
BEGIN SELECT RAISE(ABORT, 'journal rows are never deleted'); END;

DELETE FROM sqlite_sequence WHERE name IN ('transactions', 'txn_events');
