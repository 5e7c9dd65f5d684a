-- PostgreSQL dialect of sqlite/migrations/0063_limit_requests.sql:
-- limit-increase requests (提额申请). decided_at is NULL until decided.
CREATE TABLE limit_requests (
    id           bigserial   PRIMARY KEY,
    merchant_id  text        NOT NULL,
    previous     text        NOT NULL,
    requested    text        NOT NULL,
    reason       text        NOT NULL,
    state        text        NOT NULL,
    requested_by text        NOT NULL,
    requested_at timestamptz NOT NULL,
    decided_by   text        NOT NULL DEFAULT '',
    decided_at   timestamptz,
    note         text        NOT NULL DEFAULT ''
);
CREATE INDEX limit_requests_merchant ON limit_requests (merchant_id, id);
