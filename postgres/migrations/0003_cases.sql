-- Exception cases and their timelines, incidents, operator notices,
-- terminal security events and the failure rollups (docs/cases.md).
CREATE TABLE cases (
    id          bigserial PRIMARY KEY,
    kind        text    NOT NULL,
    status      text    NOT NULL,
    priority    text    NOT NULL,
    txn_id      bigint NOT NULL DEFAULT 0,
    txn_ids     text    NOT NULL DEFAULT '[]',
    merchant_id text    NOT NULL DEFAULT '',
    terminal_id text    NOT NULL DEFAULT '',
    amount      bigint NOT NULL DEFAULT 0,
    currency    text    NOT NULL DEFAULT '',
    reason      text    NOT NULL DEFAULT '',
    cause       text    NOT NULL DEFAULT '',
    title       text    NOT NULL DEFAULT '',
    assignee    text    NOT NULL DEFAULT '',
    outcome     text    NOT NULL DEFAULT '',
    opened_by   text    NOT NULL DEFAULT '',
    due_at      timestamptz,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    resolved_at timestamptz,
    closed_at   timestamptz
);
CREATE UNIQUE INDEX cases_kind_txn ON cases (kind, txn_id) WHERE txn_id <> 0;
CREATE INDEX cases_status ON cases (status, id);
CREATE INDEX cases_merchant ON cases (merchant_id, id);

CREATE TABLE case_entries (
    id      bigserial PRIMARY KEY,
    case_id bigint NOT NULL REFERENCES cases (id),
    kind    text    NOT NULL,
    author  text    NOT NULL,
    text    text    NOT NULL,
    at      timestamptz NOT NULL
);
CREATE INDEX case_entries_case ON case_entries (case_id, id);

CREATE TABLE incidents (
    id         bigserial PRIMARY KEY,
    kind       text    NOT NULL,
    status     text    NOT NULL,
    dimension  text    NOT NULL,
    key        text    NOT NULL,
    cause      text    NOT NULL,
    rate       double precision NOT NULL,
    baseline   double precision NOT NULL,
    volume     bigint NOT NULL,
    merchants  text    NOT NULL DEFAULT '[]',
    opened_at  timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    closed_at  timestamptz
);
CREATE UNIQUE INDEX incidents_open ON incidents (kind, key) WHERE status = 'open';

CREATE TABLE notices (
    id         bigserial PRIMARY KEY,
    kind       text    NOT NULL,
    title      text    NOT NULL,
    body       text    NOT NULL,
    merchants  text    NOT NULL DEFAULT '[]',
    bins       text    NOT NULL DEFAULT '[]',
    from_at    timestamptz,
    to_at      timestamptz,
    created_by text    NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL
);

CREATE TABLE terminal_events (
    id          bigserial PRIMARY KEY,
    terminal_id text    NOT NULL,
    code        text    NOT NULL,
    reason      text    NOT NULL,
    detail      text    NOT NULL DEFAULT '{}',
    at          timestamptz NOT NULL
);
CREATE INDEX terminal_events_terminal ON terminal_events (terminal_id, at);

CREATE TABLE rollups (
    win         text    NOT NULL,
    dim         text    NOT NULL,
    key         text    NOT NULL,
    bucket      timestamptz NOT NULL,
    total       bigint NOT NULL DEFAULT 0,
    failed      bigint NOT NULL DEFAULT 0,
    timeouts    bigint NOT NULL DEFAULT 0,
    unavailable bigint NOT NULL DEFAULT 0,
    reversals   bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (win, dim, bucket, key)
);

CREATE TABLE terminal_activity (
    terminal_id text    PRIMARY KEY,
    last_seen   timestamptz NOT NULL
);
