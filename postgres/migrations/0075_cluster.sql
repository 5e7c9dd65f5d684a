-- Several host instances on one database: leases for singleton jobs (the
-- leader of each), counters handed out in blocks (RRNs), and the holder of
-- a reversal's claim. A claimed reversal's next_attempt is its claim's
-- expiry: no other instance takes it before.

CREATE TABLE leases (
    name        text        PRIMARY KEY,
    holder      text        NOT NULL,
    expires_at  timestamptz NOT NULL,
    acquired_at timestamptz NOT NULL
);

CREATE TABLE counters (
    name  text   PRIMARY KEY,
    value bigint NOT NULL
);

ALTER TABLE reversals ADD COLUMN claimed_by text NOT NULL DEFAULT '';
