-- QR money: which succeeded orders and refunds the ledger has posted.
ALTER TABLE qr_orders ADD COLUMN posted boolean NOT NULL DEFAULT false;
ALTER TABLE qr_refunds ADD COLUMN posted boolean NOT NULL DEFAULT false;
CREATE INDEX qr_orders_unposted ON qr_orders (id) WHERE state = 'succeeded' AND NOT posted;
CREATE INDEX qr_refunds_unposted ON qr_refunds (id) WHERE state = 'succeeded' AND NOT posted;
