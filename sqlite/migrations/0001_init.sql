-- posguard SQLite schema, version 1.
--
-- Conventions: every time is an INTEGER of Unix nanoseconds in UTC, 0 for
-- "never" (the zero time.Time). Money is INTEGER fen. JSON columns hold text
-- produced by encoding/json. Secrets (TMK, working keys) are stored only as
-- bytes produced by the store's Sealer; NULL means "no key".

-- merchants: one row per acquired merchant (field 42).
CREATE TABLE merchants (
    id                TEXT    PRIMARY KEY,
    name              TEXT    NOT NULL,
    mcc               TEXT    NOT NULL,
    status            TEXT    NOT NULL,
    status_since      INTEGER NOT NULL,          -- when status last changed
    kind              TEXT    NOT NULL,
    fee_plan          TEXT    NOT NULL,
    limit_per_txn     INTEGER NOT NULL,          -- fen, 0 = no limit
    limit_daily       INTEGER NOT NULL,          -- fen, 0 = no limit
    limit_daily_count INTEGER NOT NULL,          -- 0 = no limit
    allowed_types     TEXT    NOT NULL,          -- JSON array of TxnType, [] = all
    account_bank      TEXT    NOT NULL,
    account_number    TEXT    NOT NULL,
    account_name      TEXT    NOT NULL,
    account_status    TEXT    NOT NULL,
    updated_at        INTEGER NOT NULL
);

-- terminals: provisioning data, sign-on state and sealed keys (field 41).
-- merchant_id is deliberately not a foreign key: a terminal may be
-- provisioned before its merchant, and the switch answers "03" for it.
CREATE TABLE terminals (
    id           TEXT    PRIMARY KEY,
    merchant_id  TEXT    NOT NULL,
    tmk_sealed   BLOB,                           -- Sealer output, never clear
    key_scheme   TEXT    NOT NULL,
    mac          TEXT    NOT NULL,
    model        TEXT    NOT NULL,
    firmware     TEXT    NOT NULL,
    status       TEXT    NOT NULL,
    signed_on    INTEGER NOT NULL DEFAULT 0,     -- boolean
    signed_on_at INTEGER NOT NULL DEFAULT 0,
    batch        TEXT    NOT NULL DEFAULT '000001',
    pik_sealed   BLOB,
    mak_sealed   BLOB,
    tdk_sealed   BLOB,
    last_seen    INTEGER NOT NULL DEFAULT 0,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX terminals_merchant ON terminals (merchant_id);

-- transactions: the write-ahead journal. One row per terminal request; the
-- TxnKey (terminal, batch, STAN, MTI) is unique. No PAN, track or PIN block.
CREATE TABLE transactions (
    id              INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused: List cursors stay valid
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
-- ByKey, idempotency and BatchTotals (terminal_id, batch prefix).
CREATE UNIQUE INDEX transactions_key ON transactions (terminal_id, batch, stan, mti);
-- ByRRN.
CREATE INDEX transactions_rrn ON transactions (rrn) WHERE rrn <> '';
-- List by merchant / terminal / state / code, newest first.
CREATE INDEX transactions_merchant_id ON transactions (merchant_id, id);
CREATE INDEX transactions_terminal_id ON transactions (terminal_id, id);
CREATE INDEX transactions_state_id ON transactions (state, id);
CREATE INDEX transactions_code_id ON transactions (response_code, id);
CREATE INDEX transactions_created ON transactions (created_at);
-- DailyUsage.
CREATE INDEX transactions_daily ON transactions (merchant_id, settlement_date);

-- txn_events: each transaction's history, append-only.
CREATE TABLE txn_events (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    txn_id  INTEGER NOT NULL REFERENCES transactions (id),
    at      INTEGER NOT NULL,
    state   TEXT    NOT NULL,
    code    TEXT    NOT NULL,
    reason  TEXT    NOT NULL,
    note    TEXT    NOT NULL
);
CREATE INDEX txn_events_txn ON txn_events (txn_id, id);

-- reversals: the store-and-forward queue of upstream reversals. A
-- transaction has at most one pending reversal.
CREATE TABLE reversals (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    txn_id       INTEGER NOT NULL REFERENCES transactions (id),
    state        TEXT    NOT NULL,             -- pending | done
    reason       TEXT    NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_attempt INTEGER NOT NULL,
    last_error   TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX reversals_due ON reversals (state, next_attempt);
CREATE UNIQUE INDEX reversals_pending_txn ON reversals (txn_id) WHERE state = 'pending';
