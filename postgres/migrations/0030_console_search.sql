-- The console's transaction search (docs/console.md) by card tail and by
-- amount, without walking the journal:
--
--   transactions_card_tail (last four characters of pan_masked, id): List
--     by CardTail. The expression is repeated word for word by the query
--     (internal/sqlstore: CardTailExpr) so the database can use the index.
--   transactions_amount (amount, id): List by Amount.
--
-- Each costs one more index entry per journaled transaction.
CREATE INDEX transactions_card_tail ON transactions ((substr(pan_masked, length(pan_masked) - 3)), id);
CREATE INDEX transactions_amount ON transactions (amount, id);
