-- PostgreSQL: the same as sqlite/migrations/0105_journal_search.sql. The
-- console's search by card tail and by amount, off the sale path
-- (docs/store.md, "The journal's search table"): migration 0030's two
-- indexes cost every sale two more index entries at insert and two more at
-- its outcome update (a non-HOT update rewrites every index entry of the
-- row). txn_search holds the same two keys and is filled in bulk by a
-- background step (sqlstore: IndexJournal), thousands of sales a commit.
--
--   txn_search (tail, txn_id, fen): one row per journaled transaction with
--     id <= txn_search_mark.last_id; tail is the last four characters of
--     pan_masked (sqlstore.CardTailExpr), fen the amount. No primary key:
--     the indexer copies each id once (it moves the watermark in the same
--     transaction), so a row costs the heap tuple and two index entries.
--   txn_search_tail (tail, txn_id), txn_search_fen (fen, txn_id): List by
--     CardTail / Amount, newest first.
--   txn_search_mark: the watermark, one row, locked by the step that moves
--     it (instances sharing the database take turns).
--
-- The lock holds off journal writes until the migration commits, so no row
-- of another running instance commits below the watermark it sets.
LOCK TABLE transactions IN SHARE MODE;

CREATE TABLE txn_search (
    tail   text   NOT NULL,
    txn_id bigint NOT NULL,
    fen    bigint NOT NULL
);
CREATE INDEX txn_search_tail ON txn_search (tail, txn_id);
CREATE INDEX txn_search_fen ON txn_search (fen, txn_id);

CREATE TABLE txn_search_mark (
    id      integer PRIMARY KEY CHECK (id = 1),
    last_id bigint  NOT NULL
);

INSERT INTO txn_search (txn_id, tail, fen)
    SELECT id, substr(pan_masked, length(pan_masked) - 3), amount FROM transactions ORDER BY id;
INSERT INTO txn_search_mark (id, last_id) VALUES (1, (SELECT coalesce(max(id), 0) FROM transactions));

DROP INDEX transactions_card_tail;
DROP INDEX transactions_amount;
