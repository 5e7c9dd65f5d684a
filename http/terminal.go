package http

import (
	"context"
	nethttp "net/http"
	"time"

	"github.com/posguard/posguard"
)

// terminalView is a terminal as the API shows it: identity and sign-on
// state, never its keys.
type terminalView struct {
	ID         string `json:"id"`
	MerchantID string `json:"merchant_id"`
	Model      string `json:"model,omitempty"`
	Firmware   string `json:"firmware,omitempty"`
	Status     string `json:"status"`
	SignedOn   bool   `json:"signed_on"`
	SignedOnAt string `json:"signed_on_at,omitempty"`
	Batch      string `json:"batch"`
	LastSeen   string `json:"last_seen,omitempty"`
}

// newTerminalView renders t, leaving out every key.
func newTerminalView(t *posguard.Terminal) terminalView {
	return terminalView{
		ID:         t.ID,
		MerchantID: t.MerchantID,
		Model:      t.Model,
		Firmware:   t.Firmware,
		Status:     string(t.Status),
		SignedOn:   t.SignedOn,
		SignedOnAt: formatTime(t.SignedOnAt),
		Batch:      t.Batch,
		LastSeen:   formatTime(t.LastSeen),
	}
}

// getTerminal serves GET /v1/terminals/{id}.
func (s *Server) getTerminal(w nethttp.ResponseWriter, r *nethttp.Request) {
	id := r.PathValue("id")
	if len(id) > 8 {
		s.writeError(w, r, invalidParam("id", "a terminal ID has at most 8 characters"))
		return
	}
	t, err := s.terminalFor(r.Context(), r, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// The same last-seen time as the health report: the later of the
	// terminal's own record and its last journaled request.
	if ts, ok := s.Store.(interface {
		TerminalSeen(context.Context, string) (time.Time, error)
	}); ok {
		seen, err := ts.TerminalSeen(r.Context(), t.ID)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if seen.After(t.LastSeen) {
			t.LastSeen = seen
		}
	}
	writeJSON(w, nethttp.StatusOK, newTerminalView(t))
}
