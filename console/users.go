package console

import (
	"context"
	"net/http"
	"strconv"

	"github.com/posguard/posguard"
)

// UserRow is one user as the users page shows it (never a password).
type UserRow struct {
	Name       string
	Role       string
	MerchantID string
	Disabled   bool
}

// UserLister lists the console's users.
type UserLister interface {
	ListUsers(ctx context.Context) ([]UserRow, error)
}

// usersData is the users page's data.
type usersData struct {
	Enabled bool
	Rows    []UserRow
}

// users serves GET /users (admin): every user with role and merchant.
func (s *Server) users(q *request) error {
	d := &usersData{Enabled: s.Users != nil}
	if s.Users != nil {
		rows, err := s.Users.ListUsers(q.r.Context())
		if err != nil {
			return err
		}
		if len(rows) > 500 {
			rows = rows[:500]
		}
		d.Rows = rows
	}
	return q.render(http.StatusOK, "users", "nav.users", d)
}

// cursorParam reads a positive ID cursor; 0 when empty.
func cursorParam(v string) (int64, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return 0, posguard.Errorf(posguard.EINVALID, "cursor: %q", v)
	}
	return n, nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
