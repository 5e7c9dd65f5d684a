-- QR search: find an order by the channel's transaction id (console search).
CREATE INDEX qr_orders_transaction ON qr_orders (transaction_id) WHERE transaction_id <> '';
