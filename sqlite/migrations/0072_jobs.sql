-- jobs: every scheduled run of the back office (close of a business day,
-- T+1 settlement, payouts, reconciliation, D0). The key (KIND:DAY or
-- KIND:DAY:SLOT) is the claim: a run exists once, whichever instance
-- claims it first; a claim holds until lease_until. Times are INTEGER Unix
-- nanoseconds (0 for none).
CREATE TABLE jobs (
    key         TEXT    PRIMARY KEY,
    kind        TEXT    NOT NULL,
    day         TEXT    NOT NULL,
    slot        TEXT    NOT NULL,
    state       TEXT    NOT NULL,          -- running | done | failed | waiting
    owner       TEXT    NOT NULL,
    attempts    INTEGER NOT NULL,
    result      TEXT    NOT NULL,
    error       TEXT    NOT NULL,
    started_at  INTEGER NOT NULL,
    finished_at INTEGER NOT NULL,
    lease_until INTEGER NOT NULL
);
CREATE INDEX jobs_started ON jobs (started_at);
CREATE INDEX jobs_day ON jobs (day, kind);
