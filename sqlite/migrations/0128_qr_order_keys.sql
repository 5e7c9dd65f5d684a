-- QR orders: nothing changes on SQLite. PostgreSQL's migration 0128 moves
-- the order queue and the channel transaction ids out of qr_orders'
-- indexes so that an order's outcome can be a HOT update; SQLite rewrites
-- the row in place and changes only the entries of the indexes whose
-- columns the UPDATE sets, and keeping a table of its own in step would
-- cost a statement or a trigger per write. qr_orders_due and
-- qr_orders_transaction stay. docs/qr.md, "Tables and queues".
SELECT 1;
