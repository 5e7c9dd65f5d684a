-- Money after authorization: the double-entry ledger, settlement batches and
-- payouts. Money is INTEGER fen, times INTEGER Unix nanoseconds (UTC).

-- ledger_postings: append-only, hash-chained (seq from 1, each hash covers the
-- previous one). A posting's debits equal its credits (checked here and, per
-- entry, by the store after writing ledger_entries).
CREATE TABLE ledger_postings (
    seq         INTEGER PRIMARY KEY,
    key         TEXT    NOT NULL UNIQUE,
    kind        TEXT    NOT NULL,
    item        INTEGER NOT NULL,          -- 1 = a settlement item (approval, void, refund, reversal)
    txn_id      INTEGER NOT NULL,
    orig_id     INTEGER NOT NULL,
    merchant_id TEXT    NOT NULL,
    date        TEXT    NOT NULL,          -- business date YYYY-MM-DD
    gross       INTEGER NOT NULL,
    fee         INTEGER NOT NULL,
    net         INTEGER NOT NULL,
    card_kind   TEXT    NOT NULL,
    ref         TEXT    NOT NULL,
    debits      INTEGER NOT NULL,
    credits     INTEGER NOT NULL,
    prev_hash   TEXT    NOT NULL,
    hash        TEXT    NOT NULL,
    at          INTEGER NOT NULL,
    CHECK (debits = credits AND debits > 0)
);
CREATE INDEX ledger_postings_txn ON ledger_postings (txn_id) WHERE txn_id <> 0;
CREATE INDEX ledger_postings_orig ON ledger_postings (orig_id) WHERE orig_id <> 0;
CREATE INDEX ledger_postings_ref ON ledger_postings (ref) WHERE ref <> '';
CREATE INDEX ledger_postings_items ON ledger_postings (merchant_id, date) WHERE item = 1;

-- ledger_entries: the sides of each posting; debit positive, credit negative.
CREATE TABLE ledger_entries (
    seq         INTEGER NOT NULL REFERENCES ledger_postings (seq),
    idx         INTEGER NOT NULL,
    account     TEXT    NOT NULL,
    merchant_id TEXT    NOT NULL,
    date        TEXT    NOT NULL,
    amount      INTEGER NOT NULL CHECK (amount <> 0),
    PRIMARY KEY (seq, idx)
);
CREATE INDEX ledger_entries_account ON ledger_entries (account, date);
CREATE INDEX ledger_entries_merchant ON ledger_entries (merchant_id, date);

CREATE TRIGGER ledger_postings_no_update BEFORE UPDATE ON ledger_postings
BEGIN SELECT RAISE(ABORT, 'ledger is append-only'); END;
CREATE TRIGGER ledger_postings_no_delete BEFORE DELETE ON ledger_postings
BEGIN SELECT RAISE(ABORT, 'ledger is append-only'); END;
CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries
BEGIN SELECT RAISE(ABORT, 'ledger is append-only'); END;
CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
BEGIN SELECT RAISE(ABORT, 'ledger is append-only'); END;

-- ledger_head: the chain's last seq and hash (one row).
CREATE TABLE ledger_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT    NOT NULL
);
INSERT INTO ledger_head (id, seq, hash) VALUES (1, 0, '');

-- ledger_cursors: how far the poster has read the journal.
CREATE TABLE ledger_cursors (
    name  TEXT    PRIMARY KEY,
    value INTEGER NOT NULL
);

-- card_kinds: BIN → debit | credit, from the world's cards.
CREATE TABLE card_kinds (
    bin  TEXT PRIMARY KEY,
    kind TEXT NOT NULL
);

-- fee_plans: the world's fee plans, JSON bodies by name.
CREATE TABLE fee_plans (
    name TEXT PRIMARY KEY,
    body TEXT NOT NULL
);

-- settlement_batches: one merchant's items settled into one payout.
CREATE TABLE settlement_batches (
    id          TEXT    PRIMARY KEY,
    kind        TEXT    NOT NULL,
    merchant_id TEXT    NOT NULL,
    date        TEXT    NOT NULL,
    max_seq     INTEGER NOT NULL,
    count       INTEGER NOT NULL,
    net         INTEGER NOT NULL,
    fee         INTEGER NOT NULL,
    payout      INTEGER NOT NULL,
    payout_id   TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX settlement_batches_merchant ON settlement_batches (merchant_id, date);

-- settlement_items: the batch (or review hold) of each item posting; no row
-- means unsettled.
CREATE TABLE settlement_items (
    seq         INTEGER PRIMARY KEY REFERENCES ledger_postings (seq),
    txn_id      INTEGER NOT NULL,
    orig_id     INTEGER NOT NULL,
    merchant_id TEXT    NOT NULL,
    state       TEXT    NOT NULL,          -- batch | review
    batch_id    TEXT    NOT NULL,
    reason      TEXT    NOT NULL
);
CREATE INDEX settlement_items_batch ON settlement_items (batch_id);
CREATE INDEX settlement_items_txn ON settlement_items (txn_id);
CREATE INDEX settlement_items_orig ON settlement_items (orig_id);

-- payouts: transfers to merchants' settlement accounts, idempotent by id.
CREATE TABLE payouts (
    id             TEXT    PRIMARY KEY,
    batch_id       TEXT    NOT NULL,
    merchant_id    TEXT    NOT NULL,
    amount         INTEGER NOT NULL,
    account_bank   TEXT    NOT NULL,
    account_number TEXT    NOT NULL,
    account_name   TEXT    NOT NULL,
    account_status TEXT    NOT NULL,
    state          TEXT    NOT NULL,
    reason         TEXT    NOT NULL,
    bank_ref       TEXT    NOT NULL,
    attempts       INTEGER NOT NULL,
    resettled_by   TEXT    NOT NULL,
    resettles      TEXT    NOT NULL,
    case_id        TEXT    NOT NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    paid_at        INTEGER NOT NULL
);
CREATE INDEX payouts_merchant ON payouts (merchant_id, created_at);
CREATE INDEX payouts_batch ON payouts (batch_id);
CREATE INDEX payouts_state ON payouts (state);
