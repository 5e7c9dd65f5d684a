-- Limit-increase requests (提额申请): a merchant asks for new limits, a risk
-- user approves (the merchant's limits change in the same transaction) or
-- rejects. Limits are JSON objects of fen and counts.
CREATE TABLE limit_requests (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    merchant_id  TEXT    NOT NULL,
    previous     TEXT    NOT NULL,
    requested    TEXT    NOT NULL,
    reason       TEXT    NOT NULL,
    state        TEXT    NOT NULL,
    requested_by TEXT    NOT NULL,
    requested_at INTEGER NOT NULL,
    decided_by   TEXT    NOT NULL DEFAULT '',
    decided_at   INTEGER NOT NULL DEFAULT 0,
    note         TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX limit_requests_merchant ON limit_requests (merchant_id, id);
