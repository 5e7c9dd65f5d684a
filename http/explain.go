package http

import (
	nethttp "net/http"

	"github.com/posguard/posguard"
)

// knowledge returns the knowledge base in use: s.Knowledge, or the
// diagnosis package's when unset.
func (s *Server) knowledge() Knowledge {
	if s.Knowledge != nil {
		return s.Knowledge
	}
	return defaultKnowledge
}

// explain serves GET /v1/explain/{code}: the knowledge base entry of a
// field 39 code or an internal reason code.
func (s *Server) explain(w nethttp.ResponseWriter, r *nethttp.Request) {
	key := r.PathValue("code")
	if len(key) == 0 || len(key) > 64 {
		s.writeError(w, r, invalidParam("code", "must be 1 to 64 characters"))
		return
	}
	kb := s.knowledge()
	if kb == nil {
		s.writeError(w, r, posguard.Errorf(posguard.EUNAVAILABLE, "no knowledge base configured"))
		return
	}
	e, ok := kb.Lookup(key)
	if !ok {
		s.writeError(w, r, posguard.Errorf(posguard.ENOTFOUND, "no explanation for %q", key))
		return
	}
	writeJSON(w, nethttp.StatusOK, e)
}
