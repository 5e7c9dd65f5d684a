package http

import (
	nethttp "net/http"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/access"
)

// passwordRequest is the body of PUT /v1/users/{name}/password.
type passwordRequest struct {
	Password string `json:"password"`
	// CurrentPassword is required when users change their own password.
	CurrentPassword string `json:"current_password,omitempty"`
}

// putPassword serves PUT /v1/users/{name}/password: a user changes its own
// password (with current_password), an admin sets anyone's, a merchant user
// sets those of its own merchant's users (another merchant's user is 404, as
// a missing one). The user's sessions end; API tokens stay. 204.
func (s *Server) putPassword(w nethttp.ResponseWriter, r *nethttp.Request) {
	me := currentUser(r)
	name := r.PathValue("name")
	target, err := s.Access.UserByName(r.Context(), name)
	self := err == nil && posguard.NameKey(target.Name) == posguard.NameKey(me.Name)
	if err == nil && !self && me.Role != posguard.RoleAdmin {
		if me.Role == posguard.RoleMerchant {
			if target.Role != posguard.RoleMerchant || target.MerchantID != me.MerchantID {
				err = posguard.Errorf(posguard.ENOTFOUND, "user %s not found", name)
			}
		} else {
			err = posguard.Errorf(posguard.EFORBIDDEN, "only an admin sets another user's password")
		}
	}
	var in passwordRequest
	if err == nil {
		err = readBody(r, &in)
	}
	if err == nil {
		err = access.ValidPassword(in.Password)
	}
	if err == nil && self {
		// Checking the current password is no change of the request's: its
		// writes (login failures) carry no record of it.
		if _, lerr := s.auth().Login(posguard.WithTxAuditor(r.Context(), nil), me.Name, in.CurrentPassword, access.RemoteAddr(r)); lerr != nil {
			err = posguard.Errorf(posguard.EFORBIDDEN, "current_password is wrong")
			if posguard.ErrorCode(lerr) == posguard.ELOCKED {
				err = lerr
			}
		}
	}
	var hash string
	if err == nil {
		hash, err = access.HashPassword(in.Password)
	}
	if err == nil {
		noteObject(r, "users/"+target.Name)
		noteChanges(r, nil, map[string]any{"password": "changed", "sessions": "ended"})
		err = s.Access.SetPasswordHash(r.Context(), target.Name, hash)
	}
	if err == nil {
		err = s.endSessions(r, target.Name)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(nethttp.StatusNoContent)
}

// endSessions revokes every active session of the named user.
func (s *Server) endSessions(r *nethttp.Request, name string) error {
	ts, err := s.Access.Tokens(r.Context(), name, posguard.TokenSession)
	if err != nil {
		return err
	}
	for _, t := range ts {
		if t.RevokedAt.IsZero() {
			if err := s.Access.RevokeToken(r.Context(), t.ID); err != nil {
				return err
			}
		}
	}
	return nil
}
