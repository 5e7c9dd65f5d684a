package console

import (
	"net/http"
	"strconv"

	"github.com/posguard/posguard"
)

// usersData is the users page's data.
type usersData struct {
	Rows []*posguard.User
	More bool
}

// maxUsersShown bounds the users page.
const maxUsersShown = 500

// users serves GET /users (admin): every user with role, merchant and
// whether it is disabled (never a password hash).
func (s *Server) users(q *request) error {
	list, err := s.Auth.Store.Users(q.r.Context())
	if err != nil {
		return err
	}
	d := &usersData{}
	if len(list) > maxUsersShown {
		list, d.More = list[:maxUsersShown], true
	}
	d.Rows = list
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
