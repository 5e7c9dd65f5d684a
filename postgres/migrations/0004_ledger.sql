-- Money after authorization: the double-entry ledger, settlement batches and
-- payouts. Money is BIGINT fen, times BIGINT Unix nanoseconds (UTC).

-- PostgreSQL dialect of sqlite/migrations/0004_ledger.sql.

-- ledger_postings: append-only, hash-chained (seq from 1, each hash covers the
-- previous one). A posting's debits equal its credits (checked here and, per
-- entry, by the store after writing ledger_entries).
CREATE TABLE ledger_postings (
    seq         BIGINT PRIMARY KEY,
    key         TEXT    NOT NULL UNIQUE,
    kind        TEXT    NOT NULL,
    item        BIGINT NOT NULL,          -- 1 = a settlement item (approval, void, refund, reversal)
    txn_id      BIGINT NOT NULL,
    orig_id     BIGINT NOT NULL,
    merchant_id TEXT    NOT NULL,
    date        TEXT    NOT NULL,          -- business date YYYY-MM-DD
    gross       BIGINT NOT NULL,
    fee         BIGINT NOT NULL,
    net         BIGINT NOT NULL,
    card_kind   TEXT    NOT NULL,
    ref         TEXT    NOT NULL,
    debits      BIGINT NOT NULL,
    credits     BIGINT NOT NULL,
    prev_hash   TEXT    NOT NULL,
    hash        TEXT    NOT NULL,
    at          BIGINT NOT NULL,
    CHECK (debits = credits AND debits > 0)
);
CREATE INDEX ledger_postings_txn ON ledger_postings (txn_id) WHERE txn_id <> 0;
CREATE INDEX ledger_postings_orig ON ledger_postings (orig_id) WHERE orig_id <> 0;
CREATE INDEX ledger_postings_ref ON ledger_postings (ref) WHERE ref <> '';
CREATE INDEX ledger_postings_items ON ledger_postings (merchant_id, date) WHERE item = 1;

-- ledger_entries: the sides of each posting; debit positive, credit negative.
CREATE TABLE ledger_entries (
    seq         BIGINT NOT NULL REFERENCES ledger_postings (seq),
    idx         BIGINT NOT NULL,
    account     TEXT    NOT NULL,
    merchant_id TEXT    NOT NULL,
    date        TEXT    NOT NULL,
    amount      BIGINT NOT NULL CHECK (amount <> 0),
    PRIMARY KEY (seq, idx)
);
CREATE INDEX ledger_entries_account ON ledger_entries (account, date);
CREATE INDEX ledger_entries_merchant ON ledger_entries (merchant_id, date);

CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger is append-only' USING ERRCODE = 'integrity_constraint_violation';
END;
$$;
CREATE TRIGGER ledger_postings_append_only BEFORE UPDATE OR DELETE ON ledger_postings
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();

-- ledger_head: the chain's last seq and hash (one row).
CREATE TABLE ledger_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash TEXT    NOT NULL
);
INSERT INTO ledger_head (id, seq, hash) VALUES (1, 0, '');

-- ledger_cursors: how far the poster has read the journal.
CREATE TABLE ledger_cursors (
    name  TEXT    PRIMARY KEY,
    value BIGINT NOT NULL
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
    max_seq     BIGINT NOT NULL,
    count       BIGINT NOT NULL,
    net         BIGINT NOT NULL,
    fee         BIGINT NOT NULL,
    payout      BIGINT NOT NULL,
    payout_id   TEXT    NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX settlement_batches_merchant ON settlement_batches (merchant_id, date);

-- settlement_items: the batch (or review hold) of each item posting; no row
-- means unsettled.
CREATE TABLE settlement_items (
    seq         BIGINT PRIMARY KEY REFERENCES ledger_postings (seq),
    txn_id      BIGINT NOT NULL,
    orig_id     BIGINT NOT NULL,
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
    amount         BIGINT NOT NULL,
    account_bank   TEXT    NOT NULL,
    account_number TEXT    NOT NULL,
    account_name   TEXT    NOT NULL,
    account_status TEXT    NOT NULL,
    state          TEXT    NOT NULL,
    reason         TEXT    NOT NULL,
    bank_ref       TEXT    NOT NULL,
    attempts       BIGINT NOT NULL,
    resettled_by   TEXT    NOT NULL,
    resettles      TEXT    NOT NULL,
    case_id        TEXT    NOT NULL,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    paid_at        BIGINT NOT NULL
);
CREATE INDEX payouts_merchant ON payouts (merchant_id, created_at);
CREATE INDEX payouts_batch ON payouts (batch_id);
CREATE INDEX payouts_state ON payouts (state);
