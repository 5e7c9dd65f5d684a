-- PostgreSQL dialect of sqlite/migrations/0061_card_limits.sql: per-card
-- and per-terminal daily limits of a merchant (0 = no limit).
ALTER TABLE merchants ADD COLUMN limit_card_daily bigint NOT NULL DEFAULT 0;
ALTER TABLE merchants ADD COLUMN limit_card_daily_count integer NOT NULL DEFAULT 0;
ALTER TABLE merchants ADD COLUMN limit_terminal_daily bigint NOT NULL DEFAULT 0;
ALTER TABLE merchants ADD COLUMN limit_terminal_daily_count integer NOT NULL DEFAULT 0;
