-- Several host instances on one database (PostgreSQL; SQLite keeps one
-- instance, but shares the schema and the code): leases for singleton jobs,
-- counters handed out in blocks (RRNs), and the holder of a reversal's
-- claim. A claimed reversal's next_attempt is its claim's expiry. Times are
-- INTEGER Unix nanoseconds (UTC).

CREATE TABLE leases (
    name        TEXT    PRIMARY KEY,
    holder      TEXT    NOT NULL,
    expires_at  INTEGER NOT NULL,
    acquired_at INTEGER NOT NULL
);

CREATE TABLE counters (
    name  TEXT    PRIMARY KEY,
    value INTEGER NOT NULL
);

ALTER TABLE reversals ADD COLUMN claimed_by TEXT NOT NULL DEFAULT '';
