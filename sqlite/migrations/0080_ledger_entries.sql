-- ledger_entries with fewer B-trees per entry. Every approved sale posts
-- three entries (network receivable, merchant payable, fee income), and each
-- entry wrote four B-trees: the table (by rowid), its primary key
-- (seq, idx), ledger_entries_account and ledger_entries_merchant. Now:
--
--   The table is WITHOUT ROWID, stored in its primary key (seq, idx): one
--     B-tree instead of the rowid table and the key's index. Entries are
--     appended in seq order, so the table still grows at its end.
--   ledger_entries_receivable (date) WHERE account = 'network_receivable'
--     replaces ledger_entries_account (account, date): the only query by
--     account is reconciliation's ledger net of a day on the network
--     receivable account (sqlstore.LedgerNet), which names the account
--     literally, so the partial index serves it; one entry of a sale in
--     three is indexed.
--   ledger_entries_merchant (merchant_id, date) is partial, WHERE
--     merchant_id <> '': entries of accounts that belong to no merchant
--     (fee income, network receivable, suspense) are never looked up by
--     merchant. Balances by merchant repeats the predicate
--     (sqlstore.Money.Balances) so the database can use the index.
--
-- An approved sale now writes five B-tree entries for its entries instead of
-- twelve. Rows, columns and the append-only triggers are unchanged.
CREATE TABLE ledger_entries_new (
    seq         INTEGER NOT NULL REFERENCES ledger_postings (seq),
    idx         INTEGER NOT NULL,
    account     TEXT    NOT NULL,
    merchant_id TEXT    NOT NULL,
    date        TEXT    NOT NULL,
    amount      INTEGER NOT NULL CHECK (amount <> 0),
    PRIMARY KEY (seq, idx)
) WITHOUT ROWID;
INSERT INTO ledger_entries_new (seq, idx, account, merchant_id, date, amount)
SELECT seq, idx, account, merchant_id, date, amount FROM ledger_entries ORDER BY seq, idx;
DROP TABLE ledger_entries;
ALTER TABLE ledger_entries_new RENAME TO ledger_entries;

CREATE INDEX ledger_entries_receivable ON ledger_entries (date) WHERE account = 'network_receivable';
CREATE INDEX ledger_entries_merchant ON ledger_entries (merchant_id, date) WHERE merchant_id <> '';

CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries
BEGIN SELECT RAISE(ABORT, 'ledger is append-only'); END;
CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
BEGIN SELECT RAISE(ABORT, 'ledger is append-only'); END;
