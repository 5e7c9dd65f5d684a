-- cache_version: one counter that every change to a row the API keeps in
-- memory moves on (a token revoked or removed, a user changed or removed, a
-- merchant changed or removed, a merchant wallet added, changed or removed).
-- An instance reads it once a request and trusts its cached tokens, users,
-- merchants and wallets while it has not moved (docs/qr.md, "Caches").
CREATE TABLE cache_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n  BIGINT  NOT NULL
);
INSERT INTO cache_version (id, n) VALUES (1, 0);

CREATE FUNCTION cache_version_bump() RETURNS trigger AS $$
BEGIN
    UPDATE cache_version SET n = n + 1 WHERE id = 1;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER cache_version_tokens AFTER UPDATE OR DELETE OR TRUNCATE ON tokens
    FOR EACH STATEMENT EXECUTE FUNCTION cache_version_bump();
CREATE TRIGGER cache_version_users AFTER UPDATE OR DELETE OR TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION cache_version_bump();
CREATE TRIGGER cache_version_merchants AFTER UPDATE OR DELETE OR TRUNCATE ON merchants
    FOR EACH STATEMENT EXECUTE FUNCTION cache_version_bump();
CREATE TRIGGER cache_version_wallets AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON merchant_wallets
    FOR EACH STATEMENT EXECUTE FUNCTION cache_version_bump();
