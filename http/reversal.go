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
		Attempts:   attemptsMade(r),
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

// attemptsMade is how many times r was sent: the failed attempts the queue
// counts, plus the acknowledged one for a done reversal (so a reversal
// acknowledged at once shows 1, as its transaction's history says).
func attemptsMade(r *posguard.Reversal) int {
	if r.State == posguard.ReversalDone {
		return r.Attempts + 1
	}
	return r.Attempts
}

// reversalList is the answer of GET /v1/reversals.
type reversalList struct {
	Reversals  []reversalView `json:"reversals"`
	NextCursor string         `json:"next_cursor,omitempty"`
}

// listReversals serves GET /v1/reversals?state=pending|done&limit=&cursor=.
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
	var after int64
	if v := q.Get("cursor"); v != "" {
		if after, err = decodeCursor(v); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	revs, err := s.Store.ReversalsBefore(r.Context(), state, after, min(limit+1, maxListLimit))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := reversalList{Reversals: make([]reversalView, 0, min(len(revs), limit))}
	for _, rev := range revs[:min(len(revs), limit)] {
		out.Reversals = append(out.Reversals, s.newReversalView(rev))
	}
	// One row more than the page says another follows; at the store's
	// maximum a full page is taken to mean "maybe".
	if len(revs) > limit || (limit == maxListLimit && len(revs) == limit) {
		out.NextCursor = encodeCursor(revs[limit-1].ID)
	}
	writeJSON(w, nethttp.StatusOK, out)
}
