-- Access control: users, their tokens, failed logins, settlement-account
-- change requests (maker-checker) and the append-only, hash-chained audit log.
-- Times are INTEGER Unix nanoseconds (UTC), 0 for none.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL,
    name_key      TEXT    NOT NULL UNIQUE,     -- lower-case name: names are unique case-insensitively
    role          TEXT    NOT NULL CHECK (role IN ('admin', 'operator', 'risk', 'finance', 'merchant')),
    merchant_id   TEXT    NOT NULL DEFAULT '',
    password_hash TEXT    NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    CHECK ((role = 'merchant') = (merchant_id <> ''))
);

-- tokens: only the SHA-256 of each secret is kept.
CREATE TABLE tokens (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    kind       TEXT    NOT NULL,
    label      TEXT    NOT NULL DEFAULT '',
    hash       TEXT    NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX tokens_user ON tokens (user_id, id);

CREATE TABLE login_failures (
    name_key TEXT    NOT NULL,
    at       INTEGER NOT NULL
);
CREATE INDEX login_failures_name ON login_failures (name_key, at);

CREATE TABLE account_changes (
    id           INTEGER PRIMARY KEY,
    merchant_id  TEXT    NOT NULL,
    bank         TEXT    NOT NULL,
    number       TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    status       TEXT    NOT NULL,
    requested_by TEXT    NOT NULL,
    requested_at INTEGER NOT NULL,
    state        TEXT    NOT NULL,
    decided_by   TEXT    NOT NULL DEFAULT '',
    decided_at   INTEGER NOT NULL DEFAULT 0,
    note         TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX account_changes_merchant ON account_changes (merchant_id, id);

-- audit_log: append-only; id from 1, each hash covers the previous one.
CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY,
    at        INTEGER NOT NULL,
    user_name TEXT    NOT NULL,
    role      TEXT    NOT NULL,
    remote    TEXT    NOT NULL,
    action    TEXT    NOT NULL,
    object    TEXT    NOT NULL,
    outcome   TEXT    NOT NULL,
    changes   TEXT    NOT NULL,
    prev_hash TEXT    NOT NULL,
    hash      TEXT    NOT NULL
);
CREATE INDEX audit_log_user ON audit_log (user_name, id);
CREATE INDEX audit_log_at ON audit_log (at);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;

-- audit_head: the chain's last id and hash (one row).
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT    NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');
