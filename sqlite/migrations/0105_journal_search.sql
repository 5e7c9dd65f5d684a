-- The console's search by card tail and by amount, off the sale path
-- (docs/store.md, "The journal's search table"). Migration 0030's two
-- indexes put every sale on two more randomly placed index pages at insert;
-- txn_search holds the same two keys and is filled in bulk by a background
-- step (sqlstore: IndexJournal), thousands of sales a commit, so a leaf
-- page is written once for many sales.
--
--   txn_search (tail, txn_id, fen): one row per journaled transaction with
--     id <= txn_search_mark.last_id; tail is the last four characters of
--     pan_masked (sqlstore.CardTailExpr), fen the amount. Neither changes
--     after the insert. Stored in its key (tail, txn_id), WITHOUT ROWID, so
--     a row costs two B-tree entries: the key (List by CardTail, newest
--     first) and txn_search_fen (fen, txn_id) (List by Amount).
--   txn_search_mark: the watermark, one row. List reads txn_search for the
--     rows at or below it and the journal for the rows above it.
CREATE TABLE txn_search (
    tail   TEXT    NOT NULL,
    txn_id INTEGER NOT NULL,
    fen    INTEGER NOT NULL,
    PRIMARY KEY (tail, txn_id)
) WITHOUT ROWID;
CREATE INDEX txn_search_fen ON txn_search (fen, txn_id);

CREATE TABLE txn_search_mark (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    last_id INTEGER NOT NULL
);

INSERT INTO txn_search (txn_id, tail, fen)
    SELECT id, substr(pan_masked, length(pan_masked) - 3), amount FROM transactions ORDER BY id;
INSERT INTO txn_search_mark (id, last_id) VALUES (1, (SELECT coalesce(max(id), 0) FROM transactions));

DROP INDEX transactions_card_tail;
DROP INDEX transactions_amount;
