package sqlstore

import (
	"context"
	"time"

	"github.com/posguard/posguard"
)

// Users, tokens and failed logins (posguard.UserStore); the tables are
// migration 0010_access. The audit log is in audit_store.go, account change
// requests in request_store.go.

var _ posguard.AccessStore = (*Store)(nil)

// userTable is users, whose ID the database assigns; name_key, the name
// as it is looked up, is written only on insert.
var userTable = newTable("users", "id", `id, name, role, merchant_id, password_hash, disabled, created_at`,
	func(u *posguard.User) []any {
		return []any{&u.ID, &u.Name, &u.Role, &u.MerchantID, &u.PasswordHash, &u.Disabled, &u.CreatedAt}
	})

// CreateUser implements posguard.UserStore.
func (s *Store) CreateUser(ctx context.Context, u *posguard.User) error {
	switch {
	case u == nil || posguard.NameKey(u.Name) == "":
		return posguard.Errorf(posguard.EINVALID, "user: empty name")
	case len(u.Name) > 64:
		return posguard.Errorf(posguard.EINVALID, "user: a name has at most 64 characters")
	case !u.Role.Valid():
		return posguard.Errorf(posguard.EINVALID, "user %s: unknown role %q (want admin, operator, risk, finance or merchant)", u.Name, u.Role)
	case u.Role == posguard.RoleMerchant && u.MerchantID == "":
		return posguard.Errorf(posguard.EINVALID, "user %s: a merchant user needs a merchant ID", u.Name)
	case u.Role != posguard.RoleMerchant && u.MerchantID != "":
		return posguard.Errorf(posguard.EINVALID, "user %s: only a merchant user belongs to a merchant", u.Name)
	case u.PasswordHash == "":
		return posguard.Errorf(posguard.EINVALID, "user %s: no password hash", u.Name)
	}
	now := s.NowUTC()
	err := s.DB.Err(s.DB.WriteRow(ctx, `INSERT INTO users (name, name_key, role, merchant_id, password_hash, disabled, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		u.Name, posguard.NameKey(u.Name), string(u.Role), u.MerchantID, u.PasswordHash, u.Disabled, s.T(now)).Scan(&u.ID), "create user")
	if posguard.ErrorCode(err) == posguard.ECONFLICT {
		return posguard.Errorf(posguard.ECONFLICT, "user %s already exists", u.Name)
	}
	if err != nil {
		return err
	}
	u.CreatedAt = now
	return nil
}

// UserByName implements posguard.UserStore.
func (s *Store) UserByName(ctx context.Context, name string) (*posguard.User, error) {
	return userTable.get(ctx, s.DB, "user by name", func() error { return NotFound("user", name) }, ` WHERE name_key = ?`, posguard.NameKey(name))
}

// Users implements posguard.UserStore.
func (s *Store) Users(ctx context.Context) ([]*posguard.User, error) {
	return userTable.list(ctx, s.DB, "users", ` ORDER BY name_key`)
}

// updateUser sets one column of the user named name; ENOTFOUND when none.
func (s *Store) updateUser(ctx context.Context, op, column, name string, v any) error {
	n, err := s.DB.Exec(ctx, op, `UPDATE users SET `+column+` = ? WHERE name_key = ?`, v, posguard.NameKey(name))
	return affectedOne(n, err, "user", name)
}

// SetUserDisabled implements posguard.UserStore.
func (s *Store) SetUserDisabled(ctx context.Context, name string, disabled bool) error {
	return s.updateUser(ctx, "disable user", "disabled", name, disabled)
}

// SetPasswordHash implements posguard.UserStore.
func (s *Store) SetPasswordHash(ctx context.Context, name, hash string) error {
	if hash == "" {
		return posguard.Errorf(posguard.EINVALID, "user %s: no password hash", name)
	}
	return s.updateUser(ctx, "set password", "password_hash", name, hash)
}

// AddLoginFailure implements posguard.UserStore.
func (s *Store) AddLoginFailure(ctx context.Context, nameKey string, at time.Time) error {
	_, err := s.DB.Exec(ctx, "add login failure", `INSERT INTO login_failures (name_key, at) VALUES (?, ?)`,
		nameKey, s.T(at.UTC().Truncate(time.Microsecond)))
	return err
}

// LoginFailures implements posguard.UserStore.
func (s *Store) LoginFailures(ctx context.Context, nameKey string, since time.Time) ([]time.Time, error) {
	return queryAll(ctx, s.DB, "login failures", one[time.Time], `SELECT at FROM login_failures WHERE name_key = ? AND at >= ? ORDER BY at`, nameKey, s.T(since.UTC()))
}

// ClearLoginFailures implements posguard.UserStore.
func (s *Store) ClearLoginFailures(ctx context.Context, nameKey string) error {
	_, err := s.DB.Exec(ctx, "clear login failures", `DELETE FROM login_failures WHERE name_key = ?`, nameKey)
	return err
}

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
	now := s.NowUTC()
	t.ExpiresAt = t.ExpiresAt.UTC().Truncate(time.Microsecond)
	err := s.DB.WriteRow(ctx, `INSERT INTO tokens (user_id, kind, label, hash, created_at, expires_at, revoked_at)
		SELECT id, ?, ?, ?, ?, ?, ? FROM users WHERE id = ? RETURNING id`,
		string(t.Kind), t.Label, t.Hash, s.T(now), s.T(t.ExpiresAt), s.T(time.Time{}), t.UserID).Scan(&t.ID)
	if err != nil {
		return found(s.DB, err, "create token", func() error { return posguard.Errorf(posguard.ENOTFOUND, "user %d not found", t.UserID) })
	}
	t.CreatedAt = now
	return nil
}

// tokenTable is tokens as read, with their user's name.
var tokenTable = newTable("tokens t JOIN users u ON u.id = t.user_id", "",
	`t.id, t.user_id, u.name, t.kind, t.label, t.hash, t.created_at, t.expires_at, t.revoked_at`,
	func(t *posguard.Token) []any {
		return []any{&t.ID, &t.UserID, &t.UserName, &t.Kind, &t.Label, &t.Hash, &t.CreatedAt, &t.ExpiresAt, &t.RevokedAt}
	})

// tokenUser is a token and its user, read by tokenUserTable (the user
// without its password hash).
type tokenUser struct {
	t posguard.Token
	u posguard.User
}

var tokenUserTable = newTable(tokenTable.name, "", tokenTable.cols+`, u.id, u.name, u.role, u.merchant_id, u.disabled, u.created_at`,
	func(v *tokenUser) []any {
		return append(tokenTable.fields(&v.t), &v.u.ID, &v.u.Name, &v.u.Role, &v.u.MerchantID, &v.u.Disabled, &v.u.CreatedAt)
	})

// TokenByHash implements posguard.UserStore.
func (s *Store) TokenByHash(ctx context.Context, hash string) (*posguard.Token, *posguard.User, error) {
	v, err := tokenUserTable.get(ctx, s.DB, "token by hash", func() error { return posguard.Errorf(posguard.ENOTFOUND, "token not found") },
		` WHERE t.hash = ?`, hash)
	if err != nil {
		return nil, nil, err
	}
	return &v.t, &v.u, nil
}

// Tokens implements posguard.UserStore.
func (s *Store) Tokens(ctx context.Context, userName string, kind posguard.TokenKind) ([]*posguard.Token, error) {
	a := Args{}
	q := ` WHERE 1 = 1` + a.Eq("t.kind", kind)
	if userName != "" {
		q += ` AND u.name_key = ` + a.Add(posguard.NameKey(userName))
	}
	return tokenTable.list(ctx, s.DB, "tokens", q+` ORDER BY t.id DESC`, a.List...)
}

// RevokeToken implements posguard.UserStore.
func (s *Store) RevokeToken(ctx context.Context, id int64) error {
	return s.DB.InTx(ctx, "revoke token", func(tx *Tx) error {
		var revoked time.Time
		err := tx.QueryRow(ctx, `SELECT revoked_at FROM tokens WHERE id = ?`+s.DB.D.ForUpdate, id).Scan(TimeCol(&revoked))
		if err != nil || !revoked.IsZero() { // a second revoke keeps the first time
			return found(tx, err, "revoke token", func() error { return posguard.Errorf(posguard.ENOTFOUND, "token %d not found", id) })
		}
		_, err = tx.Exec(ctx, "revoke token", `UPDATE tokens SET revoked_at = ? WHERE id = ?`, s.T(s.NowUTC()), id)
		return err
	})
}
