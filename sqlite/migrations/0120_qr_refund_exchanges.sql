-- Every request posguard sent to a wallet channel about a refund (/pay/refund
-- or /pay/refund/query) and the answer it got, written in the transaction
-- that records the answer's effect on the refund (docs/qr.md, "Refund history").
CREATE TABLE qr_refund_exchanges (
    id          INTEGER PRIMARY KEY,
    refund_id   INTEGER NOT NULL,
    order_id    INTEGER NOT NULL,
    merchant_id TEXT    NOT NULL,
    request     TEXT    NOT NULL,
    answer      TEXT    NOT NULL,
    at          INTEGER NOT NULL
);
CREATE INDEX qr_refund_exchanges_order ON qr_refund_exchanges (order_id, id);
