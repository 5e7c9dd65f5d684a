-- posguard PostgreSQL schema, version 1.
--
-- Conventions: times are timestamptz (microsecond precision, read back in
-- UTC); NULL means "never" (the zero time.Time). Money is bigint fen. JSON
-- columns are jsonb. Secrets (TMK, working keys) are stored only as bytes
-- produced by the store's Sealer; NULL means "no key".

-- merchants: one row per acquired merchant (field 42).
CREATE TABLE merchants (
    id                text        PRIMARY KEY,
    name              text        NOT NULL,
    mcc               text        NOT NULL,
    status            text        NOT NULL,
    status_since      timestamptz NOT NULL,      -- when status last changed
    kind              text        NOT NULL,
    fee_plan          text        NOT NULL,
    limit_per_txn     bigint      NOT NULL,      -- fen, 0 = no limit
    limit_daily       bigint      NOT NULL,      -- fen, 0 = no limit
    limit_daily_count integer     NOT NULL,      -- 0 = no limit
    allowed_types     jsonb       NOT NULL,      -- array of TxnType, [] = all
    account_bank      text        NOT NULL,
    account_number    text        NOT NULL,
    account_name      text        NOT NULL,
    account_status    text        NOT NULL,
    updated_at        timestamptz NOT NULL
);

-- terminals: provisioning data, sign-on state and sealed keys (field 41).
-- merchant_id is deliberately not a foreign key: a terminal may be
-- provisioned before its merchant, and the switch answers "03" for it.
CREATE TABLE terminals (
    id           text        PRIMARY KEY,
    merchant_id  text        NOT NULL,
    tmk_sealed   bytea,                          -- Sealer output, never clear
    key_scheme   text        NOT NULL,
    mac          text        NOT NULL,
    model        text        NOT NULL,
    firmware     text        NOT NULL,
    status       text        NOT NULL,
    signed_on    boolean     NOT NULL DEFAULT false,
    signed_on_at timestamptz,
    batch        text        NOT NULL DEFAULT '000001',
    pik_sealed   bytea,
    mak_sealed   bytea,
    tdk_sealed   bytea,
    last_seen    timestamptz,
    updated_at   timestamptz NOT NULL
);
CREATE INDEX terminals_merchant ON terminals (merchant_id);

-- transactions: the write-ahead journal. One row per terminal request; the
-- TxnKey (terminal, batch, STAN, MTI) is unique. No PAN, track or PIN block.
CREATE TABLE transactions (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    terminal_id     text        NOT NULL,
    batch           text        NOT NULL,
    stan            text        NOT NULL,
    mti             text        NOT NULL,
    type            text        NOT NULL,
    content_hash    text        NOT NULL,
    merchant_id     text        NOT NULL,
    pan_masked      text        NOT NULL,
    pan_hash        text        NOT NULL,
    issuer_bin      text        NOT NULL,
    card_org        text        NOT NULL,
    amount          bigint      NOT NULL,
    currency        text        NOT NULL,
    proc_code       text        NOT NULL,
    entry_mode      text        NOT NULL,
    settlement_date text        NOT NULL,        -- YYYY-MM-DD
    rrn             text        NOT NULL,
    auth_code       text        NOT NULL,
    response_code   text        NOT NULL,
    reason          text        NOT NULL,
    state           text        NOT NULL,
    orig_id         bigint      NOT NULL DEFAULT 0, -- 0 = no original
    refunded_amount bigint      NOT NULL DEFAULT 0,
    upstream_stan   text        NOT NULL,
    upstream_time   text        NOT NULL,
    answer          jsonb,                       -- object keyed by field number
    detail          jsonb,                       -- object of strings
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);
-- ByKey, idempotency (Insert conflicts here) and BatchTotals.
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
    id     bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    txn_id bigint      NOT NULL REFERENCES transactions (id),
    at     timestamptz NOT NULL,
    state  text        NOT NULL,
    code   text        NOT NULL,
    reason text        NOT NULL,
    note   text        NOT NULL
);
CREATE INDEX txn_events_txn ON txn_events (txn_id, id);

-- reversals: the store-and-forward queue of upstream reversals. A
-- transaction has at most one pending reversal.
CREATE TABLE reversals (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    txn_id       bigint      NOT NULL REFERENCES transactions (id),
    state        text        NOT NULL,           -- pending | done
    reason       text        NOT NULL,
    attempts     integer     NOT NULL DEFAULT 0,
    next_attempt timestamptz NOT NULL,
    last_error   text        NOT NULL,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL
);
CREATE INDEX reversals_due ON reversals (state, next_attempt);
CREATE UNIQUE INDEX reversals_pending_txn ON reversals (txn_id) WHERE state = 'pending';
