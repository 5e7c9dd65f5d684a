-- ledger_entries with fewer index entries per entry. Every approved sale
-- posts three entries (network receivable, merchant payable, fee income),
-- and each wrote three index entries: the primary key (seq, idx),
-- ledger_entries_account and ledger_entries_merchant. Now:
--
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
--     (sqlstore.Money.Balances) so the planner can use the index.
--
-- An approved sale writes five index entries for its entries instead of
-- nine. (SQLite also stores the table in its primary key; PostgreSQL has no
-- such table form.)
DROP INDEX ledger_entries_account;
DROP INDEX ledger_entries_merchant;
CREATE INDEX ledger_entries_receivable ON ledger_entries (date) WHERE account = 'network_receivable';
CREATE INDEX ledger_entries_merchant ON ledger_entries (merchant_id, date) WHERE merchant_id <> '';
