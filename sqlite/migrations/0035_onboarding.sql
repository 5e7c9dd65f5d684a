-- Onboarding and risk: merchant applications (进件) with their documents and
-- history, the identities merchants were onboarded with (duplicates), the
-- blacklist, merchants' status history, terminal serial-number bindings, the
-- versions of the risk rules and their hits. Times are INTEGER Unix
-- nanoseconds (UTC), 0 for none. JSON columns hold TEXT.

CREATE TABLE applications (
    id             INTEGER PRIMARY KEY,
    kind           TEXT    NOT NULL,
    name           TEXT    NOT NULL DEFAULT '',
    mcc            TEXT    NOT NULL DEFAULT '',
    license_no     TEXT    NOT NULL DEFAULT '',
    legal_name     TEXT    NOT NULL DEFAULT '',
    legal_id_no    TEXT    NOT NULL DEFAULT '',
    phone          TEXT    NOT NULL DEFAULT '',
    address        TEXT    NOT NULL DEFAULT '',
    account_bank   TEXT    NOT NULL DEFAULT '',
    account_number TEXT    NOT NULL DEFAULT '',
    account_name   TEXT    NOT NULL DEFAULT '',
    fee_plan       TEXT    NOT NULL DEFAULT '',
    state          TEXT    NOT NULL,
    checks         TEXT    NOT NULL DEFAULT '',
    returned       TEXT    NOT NULL DEFAULT '',
    reason         TEXT    NOT NULL DEFAULT '',
    merchant_id    TEXT    NOT NULL DEFAULT '',
    created_by     TEXT    NOT NULL,
    reviewed_by    TEXT    NOT NULL DEFAULT '',
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);
CREATE INDEX applications_state ON applications (state, id);
CREATE INDEX applications_license ON applications (license_no);
CREATE INDEX applications_legal_id ON applications (legal_id_no);

CREATE TABLE application_events (
    id             INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications (id),
    at             INTEGER NOT NULL,
    actor          TEXT    NOT NULL,
    from_state     TEXT    NOT NULL,
    to_state       TEXT    NOT NULL,
    note           TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX application_events_app ON application_events (application_id, id);

CREATE TABLE application_documents (
    id             INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications (id),
    kind           TEXT    NOT NULL,
    content_type   TEXT    NOT NULL,
    size           INTEGER NOT NULL,
    sha256         TEXT    NOT NULL,
    data           BLOB    NOT NULL,
    created_at     INTEGER NOT NULL
);
CREATE INDEX application_documents_app ON application_documents (application_id, id);

CREATE TABLE merchant_identities (
    merchant_id TEXT PRIMARY KEY,
    license_no  TEXT NOT NULL DEFAULT '',
    legal_id_no TEXT NOT NULL DEFAULT ''
);
CREATE INDEX merchant_identities_license ON merchant_identities (license_no);
CREATE INDEX merchant_identities_legal_id ON merchant_identities (legal_id_no);

CREATE TABLE onboarding_blacklist (
    value      TEXT PRIMARY KEY,
    reason     TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE merchant_events (
    id          INTEGER PRIMARY KEY,
    merchant_id TEXT    NOT NULL,
    at          INTEGER NOT NULL,
    actor       TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    reason      TEXT    NOT NULL DEFAULT '',
    detail      TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX merchant_events_merchant ON merchant_events (merchant_id, id);

-- A serial number is bound to one terminal at a time; unbinding deletes the
-- row (the merchant's history and the audit log keep it).
CREATE TABLE terminal_bindings (
    terminal_id TEXT PRIMARY KEY,
    serial_no   TEXT    NOT NULL UNIQUE,
    merchant_id TEXT    NOT NULL,
    model       TEXT    NOT NULL DEFAULT '',
    bound_at    INTEGER NOT NULL
);
CREATE INDEX terminal_bindings_merchant ON terminal_bindings (merchant_id, terminal_id);

CREATE TABLE risk_rule_versions (
    version    INTEGER PRIMARY KEY,
    rules      TEXT    NOT NULL,
    created_by TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE risk_hits (
    id           INTEGER PRIMARY KEY,
    at           INTEGER NOT NULL,
    rule         TEXT    NOT NULL,
    rule_version INTEGER NOT NULL,
    action       TEXT    NOT NULL,
    merchant_id  TEXT    NOT NULL,
    terminal_id  TEXT    NOT NULL DEFAULT '',
    txn_id       INTEGER NOT NULL DEFAULT 0,
    amount       INTEGER NOT NULL DEFAULT 0,
    card         TEXT    NOT NULL DEFAULT '',
    explain_zh   TEXT    NOT NULL DEFAULT '',
    explain_en   TEXT    NOT NULL DEFAULT '',
    released     INTEGER NOT NULL DEFAULT 0,
    released_by  TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX risk_hits_merchant ON risk_hits (merchant_id, at);
CREATE INDEX risk_hits_rule ON risk_hits (rule, at);
CREATE INDEX risk_hits_txn ON risk_hits (txn_id);
