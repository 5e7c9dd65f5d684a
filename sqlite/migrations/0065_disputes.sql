-- Disputes the card network raised (调单 retrieval requests, 拒付
-- chargebacks) and their evidence (docs/disputes.md). Times are INTEGER Unix
-- nanoseconds (UTC), NULL for none.

CREATE TABLE disputes (
    id           TEXT    PRIMARY KEY,
    kind         TEXT    NOT NULL,
    reason_code  TEXT    NOT NULL,
    state        TEXT    NOT NULL,
    txn_id       INTEGER NOT NULL,
    merchant_id  TEXT    NOT NULL DEFAULT '',
    terminal_id  TEXT    NOT NULL DEFAULT '',
    rrn          TEXT    NOT NULL DEFAULT '',
    card_masked  TEXT    NOT NULL DEFAULT '',
    amount       INTEGER NOT NULL,
    currency     TEXT    NOT NULL DEFAULT '',
    txn_date     TEXT    NOT NULL DEFAULT '',
    raised_at    INTEGER NOT NULL,
    due_at       INTEGER NOT NULL,
    case_id      INTEGER NOT NULL DEFAULT 0,
    outcome      TEXT    NOT NULL DEFAULT '',
    lost_by      TEXT    NOT NULL DEFAULT '',
    responded_at INTEGER,
    decided_at   INTEGER,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX disputes_merchant ON disputes (merchant_id, due_at);
CREATE INDEX disputes_due ON disputes (state, due_at);
CREATE INDEX disputes_txn ON disputes (txn_id);

CREATE TABLE dispute_evidence (
    id           INTEGER PRIMARY KEY,
    dispute_id   TEXT    NOT NULL REFERENCES disputes (id),
    source       TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    name         TEXT    NOT NULL DEFAULT '',
    content_type TEXT    NOT NULL,
    size         INTEGER NOT NULL,
    sha256       TEXT    NOT NULL,
    data         BLOB    NOT NULL,
    author       TEXT    NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL
);
CREATE INDEX dispute_evidence_dispute ON dispute_evidence (dispute_id, id);
