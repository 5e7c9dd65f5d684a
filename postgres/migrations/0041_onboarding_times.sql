-- One time encoding on PostgreSQL (as 0007 and 0040 did): the onboarding and
-- risk tables of 0035 kept BIGINT Unix nanoseconds; their times become
-- timestamptz, as the store core writes every other table's, exact to the
-- microsecond (the store writes microsecond times; a finer part is dropped).
-- Every one of these times is always set, so none becomes NULL.

ALTER TABLE applications
    ALTER COLUMN created_at TYPE timestamptz
        USING timestamptz 'epoch' + (created_at / 1000) * interval '1 microsecond',
    ALTER COLUMN updated_at TYPE timestamptz
        USING timestamptz 'epoch' + (updated_at / 1000) * interval '1 microsecond';

ALTER TABLE application_events
    ALTER COLUMN at TYPE timestamptz
        USING timestamptz 'epoch' + (at / 1000) * interval '1 microsecond';

ALTER TABLE application_documents
    ALTER COLUMN created_at TYPE timestamptz
        USING timestamptz 'epoch' + (created_at / 1000) * interval '1 microsecond';

ALTER TABLE onboarding_blacklist
    ALTER COLUMN created_at TYPE timestamptz
        USING timestamptz 'epoch' + (created_at / 1000) * interval '1 microsecond';

ALTER TABLE merchant_events
    ALTER COLUMN at TYPE timestamptz
        USING timestamptz 'epoch' + (at / 1000) * interval '1 microsecond';

ALTER TABLE terminal_bindings
    ALTER COLUMN bound_at TYPE timestamptz
        USING timestamptz 'epoch' + (bound_at / 1000) * interval '1 microsecond';

ALTER TABLE risk_rule_versions
    ALTER COLUMN created_at TYPE timestamptz
        USING timestamptz 'epoch' + (created_at / 1000) * interval '1 microsecond';

ALTER TABLE risk_hits
    ALTER COLUMN at TYPE timestamptz
        USING timestamptz 'epoch' + (at / 1000) * interval '1 microsecond';
