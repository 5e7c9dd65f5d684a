package accesssql

import (
	"context"
	"database/sql"
	"errors"

	"github.com/posguard/posguard"
)

// CreateToken implements posguard.UserStore.
func (s *Store) CreateToken(ctx context.Context, t *posguard.Token) error {
	if t == nil || t.Hash == "" || t.UserID == 0 {
		return posguard.Errorf(posguard.EINVALID, "token: no user or hash")
	}
	if t.Kind != posguard.TokenAPI && t.Kind != posguard.TokenSession {
		return posguard.Errorf(posguard.EINVALID, "token: unknown kind %q", t.Kind)
	}
	if len(t.Label) > 200 {
		return posguard.Errorf(posguard.EINVALID, "token: a label has at most 200 characters")
	}
	now := s.now()
	err := s.write.QueryRowContext(ctx, s.q(`INSERT INTO tokens (user_id, kind, label, hash, created_at, expires_at)
		SELECT id, ?, ?, ?, ?, ? FROM users WHERE id = ? RETURNING id`),
		string(t.Kind), t.Label, t.Hash, nanos(now), nanos(t.ExpiresAt), t.UserID).Scan(&t.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return posguard.Errorf(posguard.ENOTFOUND, "user %d not found", t.UserID)
	}
	if err != nil {
		return s.err(err, "create token")
	}
	t.CreatedAt = now
	return nil
}

const tokenColumns = `t.id, t.user_id, u.name, t.kind, t.label, t.hash, t.created_at, t.expires_at, t.revoked_at`

// scanToken reads one row of tokenColumns.
func scanToken(row interface{ Scan(...any) error }, extra ...any) (*posguard.Token, error) {
	var t posguard.Token
	var kind string
	var created, expires, revoked int64
	dest := append([]any{&t.ID, &t.UserID, &t.UserName, &kind, &t.Label, &t.Hash, &created, &expires, &revoked}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	t.Kind, t.CreatedAt, t.ExpiresAt, t.RevokedAt = posguard.TokenKind(kind), fromNanos(created), fromNanos(expires), fromNanos(revoked)
	return &t, nil
}

// TokenByHash implements posguard.UserStore.
func (s *Store) TokenByHash(ctx context.Context, hash string) (*posguard.Token, *posguard.User, error) {
	var u posguard.User
	var role string
	var disabled, created int64
	t, err := scanToken(s.read.QueryRowContext(ctx, s.q(`SELECT `+tokenColumns+`,
		u.id, u.name, u.role, u.merchant_id, u.disabled, u.created_at
		FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = ?`), hash),
		&u.ID, &u.Name, &role, &u.MerchantID, &disabled, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, posguard.Errorf(posguard.ENOTFOUND, "token not found")
	}
	if err != nil {
		return nil, nil, s.err(err, "token by hash")
	}
	u.Role, u.Disabled, u.CreatedAt = posguard.Role(role), disabled != 0, fromNanos(created)
	return t, &u, nil
}

// Tokens implements posguard.UserStore.
func (s *Store) Tokens(ctx context.Context, userName string, kind posguard.TokenKind) ([]*posguard.Token, error) {
	q := `SELECT ` + tokenColumns + ` FROM tokens t JOIN users u ON u.id = t.user_id WHERE 1 = 1`
	var args []any
	if userName != "" {
		q += ` AND u.name_key = ?`
		args = append(args, posguard.NameKey(userName))
	}
	if kind != "" {
		q += ` AND t.kind = ?`
		args = append(args, string(kind))
	}
	rows, err := s.read.QueryContext(ctx, s.q(q+` ORDER BY t.id DESC`), args...)
	if err != nil {
		return nil, s.err(err, "tokens")
	}
	defer rows.Close()
	var out []*posguard.Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, s.err(err, "tokens")
		}
		out = append(out, t)
	}
	return out, s.err(rows.Err(), "tokens")
}

// RevokeToken implements posguard.UserStore.
func (s *Store) RevokeToken(ctx context.Context, id int64) error {
	res, err := s.write.ExecContext(ctx, s.q(`UPDATE tokens SET revoked_at = CASE WHEN revoked_at = 0 THEN ? ELSE revoked_at END WHERE id = ?`),
		nanos(s.now()), id)
	if err != nil {
		return s.err(err, "revoke token")
	}
	if n, err := res.RowsAffected(); err != nil {
		return s.err(err, "revoke token")
	} else if n == 0 {
		return posguard.Errorf(posguard.ENOTFOUND, "token %d not found", id)
	}
	return nil
}
