package http

import (
	"context"
	nethttp "net/http"
	"strconv"

	"github.com/posguard/posguard"
)

// Merchant isolation. A merchant user's lists are filtered by its merchant
// ID in the store's query (scopedMerchant overrides whatever filter it
// passed); an object of another merchant answers ENOTFOUND with the same
// message as a missing one, so the answer tells nothing about other
// merchants.

// scopedMerchant returns the merchant filter for a list: a merchant user's
// own merchant whatever it asked for; for staff, what they asked for.
func scopedMerchant(r *nethttp.Request, asked string) string {
	if u := currentUser(r); u != nil && !u.Staff() {
		return u.MerchantID
	}
	return asked
}

// sees reports whether the request's user may see merchant mid's objects.
func sees(r *nethttp.Request, mid string) bool {
	u := currentUser(r)
	return u != nil && u.Sees(mid)
}

// merchantFor returns merchant id if the user may see it; ENOTFOUND (as for
// a missing merchant) otherwise.
func (s *Server) merchantFor(r *nethttp.Request, id string) (*posguard.Merchant, error) {
	if !sees(r, id) {
		return nil, posguard.Errorf(posguard.ENOTFOUND, "merchant %s not found", id)
	}
	return s.Store.Merchant(r.Context(), id)
}

// txnFor returns transaction id if the user may see it; ENOTFOUND (as for
// a missing transaction) otherwise.
func (s *Server) txnFor(r *nethttp.Request, id int64) (*posguard.Transaction, error) {
	t, err := s.Store.ByID(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if !sees(r, t.MerchantID) {
		return nil, posguard.Errorf(posguard.ENOTFOUND, "transaction %d not found", id)
	}
	return t, nil
}

// terminalFor returns terminal id if the user may see it; ENOTFOUND (as for
// a missing terminal) otherwise.
func (s *Server) terminalFor(ctx context.Context, r *nethttp.Request, id string) (*posguard.Terminal, error) {
	t, err := s.Store.Terminal(ctx, id)
	if err != nil {
		return nil, err
	}
	if !sees(r, t.MerchantID) {
		return nil, posguard.Errorf(posguard.ENOTFOUND, "terminal %s not found", id)
	}
	return t, nil
}

// scopedByID reads object {id} of the request's path with get, if the user
// may see the merchant merchantOf names; what is missing or another
// merchant's answers ENOTFOUND alike. noun names the object in errors.
func scopedByID[T any](r *nethttp.Request, noun string, get func(context.Context, int64) (T, error), merchantOf func(T) string) (T, error) {
	var zero T
	raw := r.PathValue("id")
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		return zero, invalidParam("id", "%q is not a valid %s ID (a positive integer)", raw, noun)
	}
	x, err := get(r.Context(), id)
	if err != nil {
		return zero, err
	}
	if !sees(r, merchantOf(x)) {
		return zero, posguard.Errorf(posguard.ENOTFOUND, "%s %d not found", noun, id)
	}
	return x, nil
}

// serveRequestList serves a list of requests waiting for a decision
// (account changes, limit requests): ?merchant= (a merchant user gets its
// own merchant's whatever it asks) and ?state= pending, approved or
// rejected. find reads them, view shows one and wrap makes the answer of
// the views.
func serveRequestList[T, V any](s *Server, w nethttp.ResponseWriter, r *nethttp.Request,
	find func(ctx context.Context, merchantID, state string) ([]T, error), view func(T) V, wrap func([]V) any) {
	q := r.URL.Query()
	mid, err := idParam(q, "merchant", 15)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	state := q.Get("state")
	switch state {
	case "", "pending", "approved", "rejected":
	default:
		s.writeError(w, r, invalidParam("state", "must be pending, approved or rejected"))
		return
	}
	list, err := find(r.Context(), scopedMerchant(r, mid), state)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]V, 0, len(list))
	for _, x := range list {
		out = append(out, view(x))
	}
	writeJSON(w, nethttp.StatusOK, wrap(out))
}

// serveOne answers with the view of what get reads for the request (a
// scoped read by path ID), or get's error.
func serveOne[T, V any](s *Server, w nethttp.ResponseWriter, r *nethttp.Request, get func(*nethttp.Request) (T, error), view func(T) V) {
	x, err := get(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, nethttp.StatusOK, view(x))
}
