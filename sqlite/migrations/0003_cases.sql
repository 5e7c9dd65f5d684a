-- Exception cases and their timelines, incidents, operator notices,
-- terminal security events and the failure rollups (docs/cases.md).
CREATE TABLE cases (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	kind        TEXT    NOT NULL,
	status      TEXT    NOT NULL,
	priority    TEXT    NOT NULL,
	txn_id      INTEGER NOT NULL DEFAULT 0,
	txn_ids     TEXT    NOT NULL DEFAULT '[]',
	merchant_id TEXT    NOT NULL DEFAULT '',
	terminal_id TEXT    NOT NULL DEFAULT '',
	amount      INTEGER NOT NULL DEFAULT 0,
	currency    TEXT    NOT NULL DEFAULT '',
	reason      TEXT    NOT NULL DEFAULT '',
	cause       TEXT    NOT NULL DEFAULT '',
	title       TEXT    NOT NULL DEFAULT '',
	assignee    TEXT    NOT NULL DEFAULT '',
	outcome     TEXT    NOT NULL DEFAULT '',
	opened_by   TEXT    NOT NULL DEFAULT '',
	due_at      INTEGER NOT NULL DEFAULT 0,
	created_at  INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL,
	resolved_at INTEGER NOT NULL DEFAULT 0,
	closed_at   INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX cases_kind_txn ON cases (kind, txn_id) WHERE txn_id <> 0;
CREATE INDEX cases_status ON cases (status, id);
CREATE INDEX cases_merchant ON cases (merchant_id, id);

CREATE TABLE case_entries (
	id      INTEGER PRIMARY KEY AUTOINCREMENT,
	case_id INTEGER NOT NULL REFERENCES cases (id),
	kind    TEXT    NOT NULL,
	author  TEXT    NOT NULL,
	text    TEXT    NOT NULL,
	at      INTEGER NOT NULL
);
CREATE INDEX case_entries_case ON case_entries (case_id, id);

CREATE TABLE incidents (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	kind       TEXT    NOT NULL,
	status     TEXT    NOT NULL,
	dimension  TEXT    NOT NULL,
	key        TEXT    NOT NULL,
	cause      TEXT    NOT NULL,
	rate       REAL    NOT NULL,
	baseline   REAL    NOT NULL,
	volume     INTEGER NOT NULL,
	merchants  TEXT    NOT NULL DEFAULT '[]',
	opened_at  INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	closed_at  INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX incidents_open ON incidents (kind, key) WHERE status = 'open';

CREATE TABLE notices (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	kind       TEXT    NOT NULL,
	title      TEXT    NOT NULL,
	body       TEXT    NOT NULL,
	merchants  TEXT    NOT NULL DEFAULT '[]',
	bins       TEXT    NOT NULL DEFAULT '[]',
	from_at    INTEGER NOT NULL DEFAULT 0,
	to_at      INTEGER NOT NULL DEFAULT 0,
	created_by TEXT    NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL
);

CREATE TABLE terminal_events (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	terminal_id TEXT    NOT NULL,
	code        TEXT    NOT NULL,
	reason      TEXT    NOT NULL,
	detail      TEXT    NOT NULL DEFAULT '{}',
	at          INTEGER NOT NULL
);
CREATE INDEX terminal_events_terminal ON terminal_events (terminal_id, at);

CREATE TABLE rollups (
	win         TEXT    NOT NULL,
	dim         TEXT    NOT NULL,
	key         TEXT    NOT NULL,
	bucket      INTEGER NOT NULL,
	total       INTEGER NOT NULL DEFAULT 0,
	failed      INTEGER NOT NULL DEFAULT 0,
	timeouts    INTEGER NOT NULL DEFAULT 0,
	unavailable INTEGER NOT NULL DEFAULT 0,
	reversals   INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (win, dim, bucket, key)
);

CREATE TABLE terminal_activity (
	terminal_id TEXT    PRIMARY KEY,
	last_seen   INTEGER NOT NULL
);
