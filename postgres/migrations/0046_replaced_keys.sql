-- The working keys a sign-on replaced, kept (sealed, bound to their row)
-- so that a restart within their grace period does not fail the MACs of a
-- terminal that still uses them. Rows go when the terminal uses its new
-- keys, and past the grace period.
CREATE TABLE terminal_replaced_keys (
    terminal_id text        NOT NULL,
    replaced_at timestamptz NOT NULL,
    mac         text        NOT NULL,
    pik_sealed  bytea,
    mak_sealed  bytea,
    tdk_sealed  bytea,
    PRIMARY KEY (terminal_id, replaced_at)
);
