-- One time encoding on PostgreSQL (as 0007 did for the ledger): the
-- reconciliation tables of 0020 kept BIGINT Unix nanoseconds; their times
-- become timestamptz, as the store core writes every other table's, exact to
-- the microsecond (the store writes microsecond times; a finer part is
-- dropped). Runs created within one microsecond keep their order by id, as
-- the store's "newest first" already breaks ties.

ALTER TABLE recon_runs
    ALTER COLUMN created_at TYPE timestamptz
    USING timestamptz 'epoch' + (created_at / 1000) * interval '1 microsecond';

ALTER TABLE recon_exceptions
    ALTER COLUMN updated_at TYPE timestamptz
    USING timestamptz 'epoch' + (updated_at / 1000) * interval '1 microsecond';
