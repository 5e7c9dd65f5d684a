-- One time encoding per database. PostgreSQL kept the journal's, the
-- reference tables' and the case side's times as timestamptz (NULL for
-- "none") but the ledger's (0004), and later tables', as BIGINT Unix
-- nanoseconds. Every posguard time on PostgreSQL is now BIGINT Unix
-- nanoseconds in UTC, 0 for "none", as on SQLite: the store core
-- (sqlstore) writes one SQL for both. The conversion is exact: the stored
-- timestamptz values have microsecond precision. To read a time in psql:
-- to_timestamp(created_at / 1e9).


ALTER TABLE merchants
    ALTER COLUMN status_since TYPE BIGINT USING (extract(epoch FROM status_since) * 1000000)::bigint * 1000,
    ALTER COLUMN updated_at TYPE BIGINT USING (extract(epoch FROM updated_at) * 1000000)::bigint * 1000;

ALTER TABLE terminals
    ALTER COLUMN updated_at TYPE BIGINT USING (extract(epoch FROM updated_at) * 1000000)::bigint * 1000,
    ALTER COLUMN signed_on_at TYPE BIGINT USING coalesce((extract(epoch FROM signed_on_at) * 1000000)::bigint * 1000, 0),
    ALTER COLUMN last_seen TYPE BIGINT USING coalesce((extract(epoch FROM last_seen) * 1000000)::bigint * 1000, 0);

ALTER TABLE terminals
    ALTER COLUMN signed_on_at SET DEFAULT 0,
    ALTER COLUMN signed_on_at SET NOT NULL,
    ALTER COLUMN last_seen SET DEFAULT 0,
    ALTER COLUMN last_seen SET NOT NULL;

ALTER TABLE transactions
    ALTER COLUMN created_at TYPE BIGINT USING (extract(epoch FROM created_at) * 1000000)::bigint * 1000,
    ALTER COLUMN updated_at TYPE BIGINT USING (extract(epoch FROM updated_at) * 1000000)::bigint * 1000;

ALTER TABLE txn_events
    ALTER COLUMN at TYPE BIGINT USING (extract(epoch FROM at) * 1000000)::bigint * 1000;

ALTER TABLE reversals
    ALTER COLUMN next_attempt TYPE BIGINT USING (extract(epoch FROM next_attempt) * 1000000)::bigint * 1000,
    ALTER COLUMN created_at TYPE BIGINT USING (extract(epoch FROM created_at) * 1000000)::bigint * 1000,
    ALTER COLUMN updated_at TYPE BIGINT USING (extract(epoch FROM updated_at) * 1000000)::bigint * 1000;

ALTER TABLE settings
    ALTER COLUMN updated_at TYPE BIGINT USING (extract(epoch FROM updated_at) * 1000000)::bigint * 1000;

ALTER TABLE cases
    ALTER COLUMN created_at TYPE BIGINT USING (extract(epoch FROM created_at) * 1000000)::bigint * 1000,
    ALTER COLUMN updated_at TYPE BIGINT USING (extract(epoch FROM updated_at) * 1000000)::bigint * 1000,
    ALTER COLUMN due_at TYPE BIGINT USING coalesce((extract(epoch FROM due_at) * 1000000)::bigint * 1000, 0),
    ALTER COLUMN resolved_at TYPE BIGINT USING coalesce((extract(epoch FROM resolved_at) * 1000000)::bigint * 1000, 0),
    ALTER COLUMN closed_at TYPE BIGINT USING coalesce((extract(epoch FROM closed_at) * 1000000)::bigint * 1000, 0);

ALTER TABLE cases
    ALTER COLUMN due_at SET DEFAULT 0,
    ALTER COLUMN due_at SET NOT NULL,
    ALTER COLUMN resolved_at SET DEFAULT 0,
    ALTER COLUMN resolved_at SET NOT NULL,
    ALTER COLUMN closed_at SET DEFAULT 0,
    ALTER COLUMN closed_at SET NOT NULL;

ALTER TABLE case_entries
    ALTER COLUMN at TYPE BIGINT USING (extract(epoch FROM at) * 1000000)::bigint * 1000;

ALTER TABLE incidents
    ALTER COLUMN opened_at TYPE BIGINT USING (extract(epoch FROM opened_at) * 1000000)::bigint * 1000,
    ALTER COLUMN updated_at TYPE BIGINT USING (extract(epoch FROM updated_at) * 1000000)::bigint * 1000,
    ALTER COLUMN closed_at TYPE BIGINT USING coalesce((extract(epoch FROM closed_at) * 1000000)::bigint * 1000, 0);

ALTER TABLE incidents
    ALTER COLUMN closed_at SET DEFAULT 0,
    ALTER COLUMN closed_at SET NOT NULL;

ALTER TABLE notices
    ALTER COLUMN created_at TYPE BIGINT USING (extract(epoch FROM created_at) * 1000000)::bigint * 1000,
    ALTER COLUMN from_at TYPE BIGINT USING coalesce((extract(epoch FROM from_at) * 1000000)::bigint * 1000, 0),
    ALTER COLUMN to_at TYPE BIGINT USING coalesce((extract(epoch FROM to_at) * 1000000)::bigint * 1000, 0);

ALTER TABLE notices
    ALTER COLUMN from_at SET DEFAULT 0,
    ALTER COLUMN from_at SET NOT NULL,
    ALTER COLUMN to_at SET DEFAULT 0,
    ALTER COLUMN to_at SET NOT NULL;

ALTER TABLE terminal_events
    ALTER COLUMN at TYPE BIGINT USING (extract(epoch FROM at) * 1000000)::bigint * 1000;

ALTER TABLE rollups
    ALTER COLUMN bucket TYPE BIGINT USING (extract(epoch FROM bucket) * 1000000)::bigint * 1000;

ALTER TABLE terminal_activity
    ALTER COLUMN last_seen TYPE BIGINT USING (extract(epoch FROM last_seen) * 1000000)::bigint * 1000;
