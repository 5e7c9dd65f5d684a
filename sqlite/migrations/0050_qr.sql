-- QR payments (spec/wallet-channel.md): wallet channels and merchants'
-- wallet settings (keys sealed under the host key), QR orders with their
-- queue task (query, native, reverse, close), refunds with theirs, and the
-- merchant notification outbox. Times are INTEGER Unix nanoseconds (UTC), 0
-- for none.

CREATE TABLE wallet_channels (
    name       TEXT    PRIMARY KEY,
    position   INTEGER NOT NULL,
    kind       TEXT    NOT NULL,
    url        TEXT    NOT NULL,
    app_id     TEXT    NOT NULL,
    key_sealed BLOB    NOT NULL,
    updated_at INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE merchant_wallets (
    merchant_id       TEXT    PRIMARY KEY,
    mch_id            TEXT    NOT NULL,
    notify_key_sealed BLOB    NOT NULL,
    updated_at        INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE qr_orders (
    id              INTEGER PRIMARY KEY,
    merchant_id     TEXT    NOT NULL,
    out_order_no    TEXT    NOT NULL,
    request_hash    TEXT    NOT NULL,
    mode            TEXT    NOT NULL,
    channel         TEXT    NOT NULL DEFAULT '',
    channel_name    TEXT    NOT NULL DEFAULT '',
    amount          INTEGER NOT NULL,
    state           TEXT    NOT NULL,
    reason          TEXT    NOT NULL DEFAULT '',
    out_trade_no    TEXT    NOT NULL DEFAULT '',
    transaction_id  TEXT    NOT NULL DEFAULT '',
    paid_at         INTEGER NOT NULL DEFAULT 0,
    auth_code       TEXT    NOT NULL DEFAULT '',
    terminal_id     TEXT    NOT NULL DEFAULT '',
    subject         TEXT    NOT NULL DEFAULT '',
    notify_url      TEXT    NOT NULL DEFAULT '',
    expire_seconds  INTEGER NOT NULL DEFAULT 0,
    code_url        TEXT    NOT NULL DEFAULT '',
    expires_at      INTEGER NOT NULL DEFAULT 0,
    deadline        INTEGER NOT NULL DEFAULT 0,
    task            TEXT    NOT NULL DEFAULT '',
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt    INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT    NOT NULL DEFAULT '',
    reversal_state  TEXT    NOT NULL DEFAULT '',
    refunded_amount INTEGER NOT NULL DEFAULT 0,
    case_opened     INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    UNIQUE (merchant_id, out_order_no)
);
CREATE INDEX qr_orders_due ON qr_orders (next_attempt) WHERE task <> '';
CREATE INDEX qr_orders_trade ON qr_orders (out_trade_no);
CREATE INDEX qr_orders_merchant ON qr_orders (merchant_id, id);

CREATE TABLE qr_refunds (
    id            INTEGER PRIMARY KEY,
    order_id      INTEGER NOT NULL,
    merchant_id   TEXT    NOT NULL,
    out_refund_no TEXT    NOT NULL,
    refund_no     TEXT    NOT NULL DEFAULT '',
    request_hash  TEXT    NOT NULL,
    amount        INTEGER NOT NULL,
    reason        TEXT    NOT NULL DEFAULT '',
    state         TEXT    NOT NULL,
    fail_reason   TEXT    NOT NULL DEFAULT '',
    refund_id     TEXT    NOT NULL DEFAULT '',
    internal      INTEGER NOT NULL DEFAULT 0,
    task          TEXT    NOT NULL DEFAULT '',
    attempts      INTEGER NOT NULL DEFAULT 0,
    next_attempt  INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT    NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    UNIQUE (merchant_id, out_refund_no)
);
CREATE INDEX qr_refunds_order ON qr_refunds (order_id, id);
CREATE INDEX qr_refunds_due ON qr_refunds (next_attempt) WHERE task <> '';

CREATE TABLE qr_notices (
    id           INTEGER PRIMARY KEY,
    order_id     INTEGER NOT NULL,
    refund_id    INTEGER NOT NULL DEFAULT 0,
    merchant_id  TEXT    NOT NULL,
    event        TEXT    NOT NULL,
    url          TEXT    NOT NULL,
    state        TEXT    NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_attempt INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT    NOT NULL DEFAULT '',
    case_opened  INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    delivered_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX qr_notices_order ON qr_notices (order_id, id);
CREATE INDEX qr_notices_due ON qr_notices (next_attempt) WHERE state = 'pending';
