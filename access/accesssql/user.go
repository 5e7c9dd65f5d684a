package accesssql

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/posguard/posguard"
)

const userColumns = `id, name, role, merchant_id, password_hash, disabled, created_at`

// scanUser reads one row of userColumns.
func scanUser(row interface{ Scan(...any) error }) (*posguard.User, error) {
	var u posguard.User
	var role string
	var disabled, created int64
	if err := row.Scan(&u.ID, &u.Name, &role, &u.MerchantID, &u.PasswordHash, &disabled, &created); err != nil {
		return nil, err
	}
	u.Role, u.Disabled, u.CreatedAt = posguard.Role(role), disabled != 0, fromNanos(created)
	return &u, nil
}

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
	now := s.now()
	err := s.write.QueryRowContext(ctx, s.q(`INSERT INTO users (name, name_key, role, merchant_id, password_hash, disabled, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		u.Name, posguard.NameKey(u.Name), string(u.Role), u.MerchantID, u.PasswordHash, bit(u.Disabled), nanos(now)).Scan(&u.ID)
	if err != nil {
		err = s.err(err, "create user")
		if posguard.ErrorCode(err) == posguard.ECONFLICT {
			return posguard.Errorf(posguard.ECONFLICT, "user %s already exists", u.Name)
		}
		return err
	}
	u.CreatedAt = now
	return nil
}

// UserByName implements posguard.UserStore.
func (s *Store) UserByName(ctx context.Context, name string) (*posguard.User, error) {
	u, err := scanUser(s.read.QueryRowContext(ctx, s.q(`SELECT `+userColumns+` FROM users WHERE name_key = ?`), posguard.NameKey(name)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, posguard.Errorf(posguard.ENOTFOUND, "user %s not found", name)
	}
	return u, s.err(err, "user by name")
}

// Users implements posguard.UserStore.
func (s *Store) Users(ctx context.Context) ([]*posguard.User, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY name_key`)
	if err != nil {
		return nil, s.err(err, "users")
	}
	defer rows.Close()
	var out []*posguard.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, s.err(err, "users")
		}
		out = append(out, u)
	}
	return out, s.err(rows.Err(), "users")
}

// updateUser runs an UPDATE of one user by name; ENOTFOUND when none.
func (s *Store) updateUser(ctx context.Context, op, set, name string, arg any) error {
	res, err := s.write.ExecContext(ctx, s.q(`UPDATE users SET `+set+` = ? WHERE name_key = ?`), arg, posguard.NameKey(name))
	if err != nil {
		return s.err(err, op)
	}
	if n, err := res.RowsAffected(); err != nil {
		return s.err(err, op)
	} else if n == 0 {
		return posguard.Errorf(posguard.ENOTFOUND, "user %s not found", name)
	}
	return nil
}

// SetUserDisabled implements posguard.UserStore.
func (s *Store) SetUserDisabled(ctx context.Context, name string, disabled bool) error {
	return s.updateUser(ctx, "disable user", "disabled", name, bit(disabled))
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
	_, err := s.write.ExecContext(ctx, s.q(`INSERT INTO login_failures (name_key, at) VALUES (?, ?)`), nameKey, nanos(at))
	return s.err(err, "add login failure")
}

// LoginFailures implements posguard.UserStore.
func (s *Store) LoginFailures(ctx context.Context, nameKey string, since time.Time) ([]time.Time, error) {
	rows, err := s.read.QueryContext(ctx, s.q(`SELECT at FROM login_failures WHERE name_key = ? AND at >= ? ORDER BY at`), nameKey, nanos(since))
	if err != nil {
		return nil, s.err(err, "login failures")
	}
	defer rows.Close()
	var out []time.Time
	for rows.Next() {
		var at int64
		if err := rows.Scan(&at); err != nil {
			return nil, s.err(err, "login failures")
		}
		out = append(out, fromNanos(at))
	}
	return out, s.err(rows.Err(), "login failures")
}

// ClearLoginFailures implements posguard.UserStore.
func (s *Store) ClearLoginFailures(ctx context.Context, nameKey string) error {
	_, err := s.write.ExecContext(ctx, s.q(`DELETE FROM login_failures WHERE name_key = ?`), nameKey)
	return s.err(err, "clear login failures")
}
