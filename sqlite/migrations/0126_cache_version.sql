-- cache_version: one counter that every change to a row the API keeps in
-- memory moves on (a token revoked or removed, a user changed or removed, a
-- merchant changed or removed, a merchant wallet added, changed or removed).
-- An instance reads it once a request and trusts its cached tokens, users,
-- merchants and wallets while it has not moved (docs/qr.md, "Caches").
CREATE TABLE cache_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n  INTEGER NOT NULL
);
INSERT INTO cache_version (id, n) VALUES (1, 0);

CREATE TRIGGER cache_version_tokens_update AFTER UPDATE ON tokens
BEGIN UPDATE cache_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER cache_version_tokens_delete AFTER DELETE ON tokens
BEGIN UPDATE cache_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER cache_version_users_update AFTER UPDATE ON users
BEGIN UPDATE cache_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER cache_version_users_delete AFTER DELETE ON users
BEGIN UPDATE cache_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER cache_version_merchants_update AFTER UPDATE ON merchants
BEGIN UPDATE cache_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER cache_version_merchants_delete AFTER DELETE ON merchants
BEGIN UPDATE cache_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER cache_version_wallets_insert AFTER INSERT ON merchant_wallets
BEGIN UPDATE cache_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER cache_version_wallets_update AFTER UPDATE ON merchant_wallets
BEGIN UPDATE cache_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER cache_version_wallets_delete AFTER DELETE ON merchant_wallets
BEGIN UPDATE cache_version SET n = n + 1 WHERE id = 1; END;
