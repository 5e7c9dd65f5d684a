-- QR money: which succeeded orders and refunds the ledger has posted.
ALTER TABLE qr_orders ADD COLUMN posted INTEGER NOT NULL DEFAULT 0;
ALTER TABLE qr_refunds ADD COLUMN posted INTEGER NOT NULL DEFAULT 0;
CREATE INDEX qr_orders_unposted ON qr_orders (id) WHERE state = 'succeeded' AND posted = 0;
CREATE INDEX qr_refunds_unposted ON qr_refunds (id) WHERE state = 'succeeded' AND posted = 0;
