-- Per-card and per-terminal daily limits of a merchant (spec: limits
-- 61 / 65): the amount and count one card may spend at the merchant in a
-- settlement day, and the amount and count one terminal may take. 0 means
-- no limit, as for the other limits.
ALTER TABLE merchants ADD COLUMN limit_card_daily INTEGER NOT NULL DEFAULT 0;
ALTER TABLE merchants ADD COLUMN limit_card_daily_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE merchants ADD COLUMN limit_terminal_daily INTEGER NOT NULL DEFAULT 0;
ALTER TABLE merchants ADD COLUMN limit_terminal_daily_count INTEGER NOT NULL DEFAULT 0;
