-- QR daily limits: the day's usage of a merchant is counted over its orders
-- by creation time, and orders of a merchant with a daily limit are
-- created one at a time under the merchant's row here (several instances
-- may share the database).
CREATE INDEX qr_orders_merchant_day ON qr_orders (merchant_id, created_at);
CREATE TABLE qr_limit_locks (
    merchant_id text   PRIMARY KEY,
    orders      bigint NOT NULL DEFAULT 0
);
