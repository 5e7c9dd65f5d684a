package http

import (
	"encoding/json"
	nethttp "net/http"
	"strings"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/access"
)

// auth returns s.Auth, or an access.Auth over s.Access.
func (s *Server) auth() *access.Auth {
	if s.Auth != nil {
		return s.Auth
	}
	return &access.Auth{Store: s.Access, Now: s.Now, Logger: s.Logger}
}

// deny answers a request the router refused: 401 (with a Bearer challenge)
// or 403 in the error shape. A refused state-changing request of a known
// user is recorded in the audit log (outcome "forbidden").
func (s *Server) deny(w nethttp.ResponseWriter, r *nethttp.Request, err error) {
	if posguard.ErrorCode(err) == posguard.EUNAUTHORIZED {
		w.Header().Set("WWW-Authenticate", `Bearer realm="posguard"`)
	}
	s.writeError(w, r, err)
	if currentUser(r) != nil && r.Method != nethttp.MethodGet && r.Method != nethttp.MethodHead {
		s.auth().Audit(r, r.Pattern, objectOf(r.Pattern, r), posguard.ErrorCode(err), "")
	}
}

// currentUser returns the authenticated user of a request behind the router.
func currentUser(r *nethttp.Request) *posguard.User { return access.UserFromContext(r.Context()) }

// sessionRequest is the body of POST /v1/sessions.
type sessionRequest struct {
	Name     string `json:"name"`
	Password string `json:"password"`
}

// sessionAnswer is the answer of POST /v1/sessions.
type sessionAnswer struct {
	Token     string `json:"token"`
	ExpiresAt string `json:"expires_at"`
}

// postSession serves POST /v1/sessions: {"name","password"} → 201 with a
// session token; 401 for a wrong name or password (alike), 400 for a
// missing field, 429 while the name is locked out.
func (s *Server) postSession(w nethttp.ResponseWriter, r *nethttp.Request) {
	var req sessionRequest
	dec := json.NewDecoder(nethttp.MaxBytesReader(w, r.Body, 4096))
	if err := dec.Decode(&req); err != nil {
		s.writeError(w, r, invalidParam("body", "want JSON {name, password}"))
		return
	}
	switch {
	case req.Name == "":
		s.writeError(w, r, invalidParam("name", "is required"))
		return
	case req.Password == "":
		s.writeError(w, r, invalidParam("password", "is required"))
		return
	}
	secret, t, _, err := s.auth().NewSession(r.Context(), req.Name, req.Password, access.RemoteAddr(r))
	if err != nil {
		if posguard.ErrorCode(err) == posguard.EUNAUTHORIZED {
			err = posguard.Errorf(posguard.EUNAUTHORIZED, "wrong name or password")
		}
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, nethttp.StatusCreated, sessionAnswer{Token: secret, ExpiresAt: t.ExpiresAt.UTC().Format(time.RFC3339)})
}

// deleteSession serves DELETE /v1/sessions/current: the bearer session or
// token the request was made with is revoked (204).
func (s *Server) deleteSession(w nethttp.ResponseWriter, r *nethttp.Request) {
	_, secret, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if secret == "" {
		if c, err := r.Cookie(access.SessionCookie); err == nil {
			secret = c.Value
		}
	}
	t, _, err := s.Access.TokenByHash(r.Context(), access.HashSecret(strings.TrimSpace(secret)))
	if err == nil {
		noteObject(r, "token/"+itoa(t.ID))
		err = s.Access.RevokeToken(r.Context(), t.ID)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(nethttp.StatusNoContent)
}

// auditView is one record of GET /v1/audit.
type auditView struct {
	ID      int64           `json:"id"`
	At      string          `json:"at"`
	User    string          `json:"user"`
	Role    string          `json:"role"`
	Remote  string          `json:"remote"`
	Action  string          `json:"action"`
	Object  string          `json:"object"`
	Outcome string          `json:"outcome"`
	Changes json.RawMessage `json:"changes"`
}

// auditList is the answer of GET /v1/audit.
type auditList struct {
	Records    []auditView `json:"records"`
	NextCursor string      `json:"next_cursor"`
}

// listAudit serves GET /v1/audit?user=&action=&object=&from=&to=&limit=&cursor=,
// newest first.
func (s *Server) listAudit(w nethttp.ResponseWriter, r *nethttp.Request) {
	q := r.URL.Query()
	f := posguard.AuditFilter{User: q.Get("user"), Action: q.Get("action"), Object: q.Get("object")}
	var err error
	if f.From, err = timeParam(q, "from"); err == nil {
		f.To, err = timeParam(q, "to")
	}
	if err == nil {
		f.Limit, err = limitParam(q, 100, maxListLimit)
	}
	if err == nil && q.Get("cursor") != "" {
		f.Before, err = decodeCursor(q.Get("cursor"))
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	recs, err := s.Access.AuditRecords(r.Context(), f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := auditList{Records: make([]auditView, 0, len(recs))}
	for _, rec := range recs {
		ch := json.RawMessage("null")
		if rec.Changes != "" {
			ch = json.RawMessage(rec.Changes)
		}
		out.Records = append(out.Records, auditView{ID: rec.ID, At: formatTime(rec.At), User: rec.User, Role: string(rec.Role),
			Remote: rec.Remote, Action: rec.Action, Object: rec.Object, Outcome: rec.Outcome, Changes: ch})
	}
	if len(recs) == f.Limit && len(recs) > 0 {
		out.NextCursor = encodeCursor(recs[len(recs)-1].ID)
	}
	writeJSON(w, nethttp.StatusOK, out)
}
