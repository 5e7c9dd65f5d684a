package sqlstore

import "testing"

// TestIsWrite: the statements whose returned rows mean a change, which
// decides whether a transaction carries a request's audit record.
func TestIsWrite(t *testing.T) {
	for q, want := range map[string]bool{
		"INSERT INTO x VALUES (1) RETURNING id":                                  true,
		"\n\t  update merchants SET a = 1 WHERE id = ? RETURNING id":             true,
		"DELETE FROM tokens WHERE id = ? RETURNING id":                           true,
		"WITH n AS (SELECT 1 AS id) INSERT INTO qr_orders (id) SELECT id FROM n": true,
		"WITH d AS (DELETE FROM leases WHERE name = ? RETURNING name) SELECT 1":  true,
		"with u as (Update qr_orders SET a = 1 RETURNING id) select id from u":   true,
		"with n as (select 1 as id) insert into t (id) select id from n":         true,
		"WITH n AS (SELECT inserted, deleted_at FROM t) SELECT * FROM n":         false,
		"SELECT id, updated_at FROM merchants WHERE id = ?":                      false,
		"WITH n AS (SELECT updated_at FROM merchants) SELECT * FROM n":           false,
		"SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE":               false,
		"": false,
	} {
		if got := isWrite(q); got != want {
			t.Errorf("isWrite(%q) = %v, want %v", q, got, want)
		}
	}
}
