-- QR orders: the two lookups on columns an order's outcome changes move out
-- of qr_orders' indexes, so that recording an outcome changes no indexed
-- column and PostgreSQL can make it a HOT update (the new row version on
-- the same page, no new entry in any of the table's indexes).
-- qr_order_keys has one row per order, written by the order's insert and
-- by the updates that change its task, next attempt or channel
-- transaction id (in the same statement): due is the order's next_attempt
-- while it has a task (task <> '') and NULL otherwise, replacing the
-- partial index qr_orders_due (the order queue); transaction_id is the
-- order's, replacing qr_orders_transaction (console search by channel
-- number). qr_orders keeps both columns. docs/qr.md, "Tables and queues".
CREATE TABLE qr_order_keys (
    id             bigint PRIMARY KEY,
    due            timestamptz,
    transaction_id text NOT NULL DEFAULT ''
);
CREATE INDEX qr_order_keys_due ON qr_order_keys (due, id) WHERE due IS NOT NULL;
CREATE INDEX qr_order_keys_transaction ON qr_order_keys (transaction_id) WHERE transaction_id <> '';
INSERT INTO qr_order_keys (id, due, transaction_id)
    SELECT id, CASE WHEN task <> '' THEN next_attempt END, transaction_id FROM qr_orders;
DROP INDEX qr_orders_due;
DROP INDEX qr_orders_transaction;
-- Room in each page for an order's new row version: an order is updated
-- once or twice after its insert (its outcome; a query or reversal
-- first), and a HOT update needs the new version on the same page. At the
-- default (100) most outcomes found their page full; at 75 about half
-- (docs/benchmarks.md, "Round 11").
ALTER TABLE qr_orders SET (fillfactor = 50);
