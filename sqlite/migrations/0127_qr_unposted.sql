-- QR money: the succeeded orders and refunds the ledger has not posted yet,
-- one narrow row each. The update that makes an order or refund succeeded
-- inserts its id (on SQLite by the triggers below, inside the update's own
-- statement); the ledger's QR poster reads the ids here, posts them
-- (idempotent posting keys) and deletes them. This
-- replaces the posted flag: marking an order posted rewrote its qr_orders
-- row and, on PostgreSQL, every one of its indexes (docs/qr.md, "Posting to
-- the ledger").
CREATE TABLE qr_unposted_orders (id INTEGER PRIMARY KEY);
CREATE TABLE qr_unposted_refunds (id INTEGER PRIMARY KEY);
INSERT INTO qr_unposted_orders (id) SELECT id FROM qr_orders WHERE state = 'succeeded' AND posted = 0;
INSERT INTO qr_unposted_refunds (id) SELECT id FROM qr_refunds WHERE state = 'succeeded' AND posted = 0;
DROP INDEX qr_orders_unposted;
DROP INDEX qr_refunds_unposted;
ALTER TABLE qr_orders DROP COLUMN posted;
ALTER TABLE qr_refunds DROP COLUMN posted;
CREATE TRIGGER qr_orders_succeeded AFTER UPDATE OF state ON qr_orders
WHEN NEW.state = 'succeeded' AND OLD.state <> 'succeeded'
BEGIN INSERT OR IGNORE INTO qr_unposted_orders (id) VALUES (NEW.id); END;
CREATE TRIGGER qr_refunds_succeeded AFTER UPDATE OF state ON qr_refunds
WHEN NEW.state = 'succeeded' AND OLD.state <> 'succeeded'
BEGIN INSERT OR IGNORE INTO qr_unposted_refunds (id) VALUES (NEW.id); END;
