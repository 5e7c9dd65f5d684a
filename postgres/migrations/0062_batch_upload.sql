-- PostgreSQL dialect of sqlite/migrations/0062_batch_upload.sql: batch
-- upload (0320) items, one row per transaction of a terminal's batch.
CREATE TABLE batch_upload_items (
    terminal_id text        NOT NULL,
    batch       text        NOT NULL,
    stan        text        NOT NULL,
    card_org    text        NOT NULL,
    pan_masked  text        NOT NULL,
    pan_hash    text        NOT NULL,
    amount      bigint      NOT NULL,
    uploaded_at timestamptz NOT NULL,
    PRIMARY KEY (terminal_id, batch, stan)
);
