package http

import (
	nethttp "net/http"
	"time"

	"github.com/posguard/posguard"
)

// reversalView is one queued upstream reversal as the API shows it.
type reversalView struct {
	ID          int64  `json:"id"`
	TxnID       int64  `json:"txn_id"`
	State       string `json:"state"`
	Reason      string `json:"reason,omitempty"`
	Attempts    int    `json:"attempts"`
	AgeSeconds  int64  `json:"age_seconds"`
	NextAttempt string `json:"next_attempt,omitempty"` // pending only
	LastError   string `json:"last_error,omitempty"`
	CreatedAt   string `json:"created_at"`
	UpdatedAt   string `json:"updated_at"`
}

// newReversalView renders r; its age is measured on the server's clock.
func (s *Server) newReversalView(r *posguard.Reversal) reversalView {
	v := reversalView{
		ID:         r.ID,
		TxnID:      r.TxnID,
		State:      string(r.State),
		Reason:     r.Reason,
		Attempts:   r.Attempts,
		AgeSeconds: int64(max(s.now().Sub(r.CreatedAt), 0) / time.Second),
		LastError:  maskDigitRuns(r.LastError),
		CreatedAt:  formatTime(r.CreatedAt),
		UpdatedAt:  formatTime(r.UpdatedAt),
	}
	if r.State == posguard.ReversalPending {
		v.NextAttempt = formatTime(r.NextAttempt)
	}
	return v
}

// reversalList is the answer of GET /v1/reversals.
type reversalList struct {
	Reversals []reversalView `json:"reversals"`
}

// listReversals serves GET /v1/reversals?state=pending|done&limit=.
func (s *Server) listReversals(w nethttp.ResponseWriter, r *nethttp.Request) {
	q := r.URL.Query()
	var state posguard.ReversalState
	switch v := q.Get("state"); v {
	case "", string(posguard.ReversalPending), string(posguard.ReversalDone):
		state = posguard.ReversalState(v)
	default:
		s.writeError(w, r, invalidParam("state", "%q is not pending or done", v))
		return
	}
	limit, err := limitParam(q, 50, maxListLimit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	revs, err := s.Store.Reversals(r.Context(), state, limit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := reversalList{Reversals: make([]reversalView, 0, len(revs))}
	for _, rev := range revs {
		out.Reversals = append(out.Reversals, s.newReversalView(rev))
	}
	writeJSON(w, nethttp.StatusOK, out)
}
