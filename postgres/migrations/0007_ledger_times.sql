-- One time encoding on PostgreSQL: every time column is timestamptz (NULL
-- for "none"), as the store core (sqlstore) writes them. The ledger's tables
-- (0004) kept BIGINT Unix nanoseconds; they become timestamptz here, exact
-- to the microsecond (the store writes microsecond times; a finer part is
-- dropped). The ledger's hash chain does not cover times, so the stored
-- hashes stay valid. ALTER TABLE fires no row triggers: the append-only rule
-- of ledger_postings stays as it is.

ALTER TABLE ledger_postings
    ALTER COLUMN at TYPE timestamptz
    USING timestamptz 'epoch' + (at / 1000) * interval '1 microsecond';

ALTER TABLE settlement_batches
    ALTER COLUMN created_at TYPE timestamptz
    USING timestamptz 'epoch' + (created_at / 1000) * interval '1 microsecond';

ALTER TABLE payouts ALTER COLUMN paid_at DROP NOT NULL;
ALTER TABLE payouts
    ALTER COLUMN created_at TYPE timestamptz
        USING timestamptz 'epoch' + (created_at / 1000) * interval '1 microsecond',
    ALTER COLUMN updated_at TYPE timestamptz
        USING timestamptz 'epoch' + (updated_at / 1000) * interval '1 microsecond',
    ALTER COLUMN paid_at TYPE timestamptz
        USING CASE WHEN paid_at = 0 THEN NULL
                   ELSE timestamptz 'epoch' + (paid_at / 1000) * interval '1 microsecond' END;
