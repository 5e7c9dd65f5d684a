-- Reconciliation (spec/clearing-file.md §4): runs of a clearing date, the
-- standing exceptions they found, and the late lines they matched. The
-- clearing file's bytes are never kept (only their SHA-256) and no full card
-- or account number is: reports hold masked values.

-- recon_runs: one per (date, clearing file bytes, bank file bytes). The
-- report is the JSON of §6 as made; idents lists its exceptions in order.
CREATE TABLE recon_runs (
    id            TEXT    PRIMARY KEY,
    date          TEXT    NOT NULL,
    clearing_file TEXT    NOT NULL,
    clearing_sha  TEXT    NOT NULL,
    bank_file     TEXT    NOT NULL,
    bank_sha      TEXT    NOT NULL,          -- '' when no bank file was given
    report        TEXT    NOT NULL,
    idents        TEXT    NOT NULL,          -- JSON array of exception idents
    superseded_by TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    UNIQUE (date, clearing_sha, bank_sha)
);
CREATE INDEX recon_runs_date ON recon_runs (date, created_at);
CREATE INDEX recon_runs_created ON recon_runs (created_at);

-- recon_exceptions: each exception as it stands now, by identity (date,
-- class, key, occurrence), whatever run found it last.
CREATE TABLE recon_exceptions (
    ident         TEXT    PRIMARY KEY,
    date          TEXT    NOT NULL,
    class         TEXT    NOT NULL,
    status        TEXT    NOT NULL,
    run_id        TEXT    NOT NULL,
    txn_id        INTEGER NOT NULL,
    payout_id     TEXT    NOT NULL,
    merchant_id   TEXT    NOT NULL,
    hold_amount   INTEGER NOT NULL,          -- fen held for it now, 0 for none
    case_id       INTEGER NOT NULL,
    repair_txn_id INTEGER NOT NULL,
    body          TEXT    NOT NULL,          -- the report's exception object (JSON)
    updated_at    INTEGER NOT NULL
);
CREATE INDEX recon_exceptions_date ON recon_exceptions (date, class);
CREATE INDEX recon_exceptions_txn ON recon_exceptions (txn_id) WHERE txn_id <> 0;
CREATE INDEX recon_exceptions_status ON recon_exceptions (status);

-- recon_late: transactions of date txn_date matched by a line of the next
-- date's file (a late line), so the run of txn_date knows.
CREATE TABLE recon_late (
    txn_id   INTEGER PRIMARY KEY,
    txn_date TEXT    NOT NULL,
    run_date TEXT    NOT NULL,
    run_id   TEXT    NOT NULL
);
CREATE INDEX recon_late_date ON recon_late (txn_date);
