package http

import (
	"context"
	"encoding/json"
	nethttp "net/http"
	"strconv"
	"strings"

	"github.com/posguard/posguard"
)

// auditNote is what a state-changing handler tells the audit record about
// its request: the object it acted on (when the path does not say), what
// changed, and the error code it answered with.
type auditNote struct {
	object  string
	changes any
	code    string
	written bool // the change's own transaction wrote the record
}

type noteKey struct{}

// note returns the request's audit note, or nil outside audited routes.
func note(r *nethttp.Request) *auditNote {
	n, _ := r.Context().Value(noteKey{}).(*auditNote)
	return n
}

// noteObject names the object a request acted on in its audit record.
func noteObject(r *nethttp.Request, object string) {
	if n := note(r); n != nil {
		n.object = object
	}
}

// noteChanges records what a request changed: before and after (views that
// carry no secret, masked account and card numbers).
func noteChanges(r *nethttp.Request, before, after any) {
	if n := note(r); n != nil {
		n.changes = map[string]any{"before": before, "after": after}
	}
}

// recordInTx returns the "ok" record of the request's change, with before
// and after, for the store to write in the change's own transaction; call
// recordWritten once that transaction committed. A failed change gets its
// record from the middleware as before.
func (s *Server) recordInTx(r *nethttp.Request, before, after any) *posguard.AuditRecord {
	changes := ""
	if b, err := json.Marshal(map[string]any{"before": before, "after": after}); err == nil {
		changes = maskDigitRuns(string(b))
	}
	return s.auth().Record(r, r.Pattern, objectOf(r.Pattern, r), "ok", changes)
}

// recordWritten tells the middleware that the change's transaction wrote
// the request's audit record.
func recordWritten(r *nethttp.Request) {
	if n := note(r); n != nil {
		n.written = true
	}
}

// statusWriter remembers the status a handler answered with.
type statusWriter struct {
	nethttp.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = nethttp.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// audited wraps a state-changing route: after the handler has answered, one
// audit record names the route (action), the object, the outcome ("ok" or
// the error code answered) and what changed.
func (s *Server) audited(pattern string, h nethttp.Handler) nethttp.Handler {
	return nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		n := &auditNote{}
		r = r.WithContext(context.WithValue(r.Context(), noteKey{}, n))
		sw := &statusWriter{ResponseWriter: w}
		h.ServeHTTP(sw, r)
		if n.written {
			return
		}
		outcome := "ok"
		if sw.status >= 400 {
			outcome = n.code
			if outcome == "" {
				outcome = strconv.Itoa(sw.status)
			}
		}
		object := n.object
		if object == "" {
			object = objectOf(pattern, r)
		}
		changes := ""
		if n.changes != nil {
			if b, err := json.Marshal(n.changes); err == nil {
				changes = maskDigitRuns(string(b))
			}
		}
		s.auth().Audit(r, pattern, object, outcome, changes)
	})
}

// objectOf names a request's object from its route: the path after /v1/ up
// to the first path value, filled in ("cases/12" for
// POST /v1/cases/{id}/resolve), or the collection ("notices").
func objectOf(pattern string, r *nethttp.Request) string {
	_, path, _ := strings.Cut(pattern, " ")
	path = strings.TrimPrefix(path, "/v1/")
	var out []string
	for _, seg := range strings.Split(path, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			out = append(out, r.PathValue(strings.Trim(seg, "{}")))
			break
		}
		out = append(out, seg)
	}
	return strings.Join(out, "/")
}

// itoa formats an ID.
func itoa(id int64) string { return strconv.FormatInt(id, 10) }
