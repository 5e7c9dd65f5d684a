-- Pre-authorizations (spec terminal-8583.md §4): a completion or cancel
-- finds its pre-auth by the terminal's merchant and the authorization code
-- (field 38), and the expiry sweep finds the approved pre-auths older than
-- 30 days. Both indexes are partial, on pre-auths only, so a sale writes no
-- entry in either. The predicates are repeated word for word by
-- sqlstore.PreAuthsSQL and sqlstore.ExpiringPreAuthsSQL.
CREATE INDEX transactions_preauth ON transactions (merchant_id, auth_code)
    WHERE type = 'preauth';
CREATE INDEX transactions_preauth_open ON transactions (created_at)
    WHERE type = 'preauth' AND state = 'approved';
