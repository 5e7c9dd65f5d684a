-- QR money: the succeeded orders and refunds the ledger has not posted yet,
-- one narrow row each. The update that makes an order or refund succeeded
-- inserts its id in the same transaction (the outcome's one statement does,
-- in its data-modifying WITH); the ledger's QR poster reads the
-- ids here, posts them (idempotent posting keys) and deletes them. This
-- replaces the posted flag: marking an order posted rewrote its qr_orders
-- row and, on PostgreSQL, every one of its indexes (docs/qr.md, "Posting to
-- the ledger").
CREATE TABLE qr_unposted_orders (id bigint PRIMARY KEY);
CREATE TABLE qr_unposted_refunds (id bigint PRIMARY KEY);
INSERT INTO qr_unposted_orders (id) SELECT id FROM qr_orders WHERE state = 'succeeded' AND NOT posted;
INSERT INTO qr_unposted_refunds (id) SELECT id FROM qr_refunds WHERE state = 'succeeded' AND NOT posted;
DROP INDEX qr_orders_unposted;
DROP INDEX qr_refunds_unposted;
ALTER TABLE qr_orders DROP COLUMN posted;
ALTER TABLE qr_refunds DROP COLUMN posted;
