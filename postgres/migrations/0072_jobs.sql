-- jobs: every scheduled run of the back office (close of a business day,
-- T+1 settlement, payouts, reconciliation, D0). The key (KIND:DAY or
-- KIND:DAY:SLOT) is the claim: a run exists once, whichever instance
-- claims it first; a claim holds until lease_until. Times are timestamptz
-- (NULL for none).
CREATE TABLE jobs (
    key         TEXT        PRIMARY KEY,
    kind        TEXT        NOT NULL,
    day         TEXT        NOT NULL,
    slot        TEXT        NOT NULL,
    state       TEXT        NOT NULL,      -- running | done | failed | waiting
    owner       TEXT        NOT NULL,
    attempts    BIGINT      NOT NULL,
    result      TEXT        NOT NULL,
    error       TEXT        NOT NULL,
    started_at  timestamptz,
    finished_at timestamptz,
    lease_until timestamptz
);
CREATE INDEX jobs_started ON jobs (started_at);
CREATE INDEX jobs_day ON jobs (day, kind);
