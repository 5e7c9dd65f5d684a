-- Batch uploads (0320): what a terminal says it did in a batch, one row per
-- transaction (its STAN), compared with the journal when the upload ends.
-- No full PAN: the masked one and the keyed hash the journal also keeps.
CREATE TABLE batch_upload_items (
    terminal_id TEXT    NOT NULL,
    batch       TEXT    NOT NULL,
    stan        TEXT    NOT NULL,
    card_org    TEXT    NOT NULL,
    pan_masked  TEXT    NOT NULL,
    pan_hash    TEXT    NOT NULL,
    amount      INTEGER NOT NULL,
    uploaded_at INTEGER NOT NULL,
    PRIMARY KEY (terminal_id, batch, stan)
);
