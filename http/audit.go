package http

import (
	"encoding/json"
	nethttp "net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/posguard/posguard"
)

// auditNote is what a state-changing handler tells the audit record about
// its request: the object it acted on (when the path does not say), what
// changed, and the error code it answered with. It is also the request's
// posguard.TxAuditor: the store appends the "ok" record to the first write
// transaction of the change (and to each later one a domain note makes a
// record due for), so the change and its record commit together.
type auditNote struct {
	s       *Server
	r       *nethttp.Request // the request (its user and remote address)
	pattern string

	mu      sync.Mutex
	object  string
	before  any
	after   any // a func() any is called when the record is built
	changed bool
	code    string
	render  func(v any) (object string, after any) // reads domain notes; nil ignores them
	due     bool                                   // a record is due with the next write transaction
	written int                                    // records committed with their change
}

// note returns the request's audit note, or nil outside audited routes:
// the note is the request context's posguard.TxAuditor (nothing the
// handlers run wraps the request's own context in another).
func note(r *nethttp.Request) *auditNote {
	n, _ := posguard.TxAuditorOf(r.Context()).(*auditNote)
	return n
}

// noteObject names the object a request acts on in its audit record. Call
// it before the change: the record commits with the change's transaction.
func noteObject(r *nethttp.Request, object string) {
	if n := note(r); n != nil {
		n.mu.Lock()
		n.object = object
		n.mu.Unlock()
	}
}

// noteChanges records what a request changes: before and after (views that
// carry no secret, masked account and card numbers). Call it before the
// change, so that the record the change's transaction commits holds it;
// after may be a func() any, called when the record is built inside that
// transaction (once the store has filled in a new row's ID).
func noteChanges(r *nethttp.Request, before, after any) {
	if n := note(r); n != nil {
		n.mu.Lock()
		n.before, n.after, n.changed = before, after, true
		n.mu.Unlock()
	}
}

// onAuditNote sets how the request's record shows what domain code notes
// from inside the change (posguard.NoteAudit): f returns the object (""
// keeps the route's) and the after view of a noted value; it runs when the
// record is built, inside the change's transaction. Each note makes a new
// record due: a batch commits one with each of its transactions.
func onAuditNote(r *nethttp.Request, f func(v any) (object string, after any)) {
	if n := note(r); n != nil {
		n.mu.Lock()
		n.render = f
		n.mu.Unlock()
	}
}

// AuditNote implements posguard.TxAuditor.
func (n *auditNote) AuditNote(v any) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.render == nil {
		return
	}
	n.due = true
	n.changed = true
	render := n.render
	n.after = func() any {
		object, after := render(v)
		if object != "" {
			n.object = object
		}
		return after
	}
}

// TxRecord implements posguard.TxAuditor: the "ok" record when one is due.
func (n *auditNote) TxRecord() *posguard.AuditRecord {
	n.mu.Lock()
	defer n.mu.Unlock()
	if !n.due {
		return nil
	}
	return n.record("ok")
}

// TxCommitted implements posguard.TxAuditor.
func (n *auditNote) TxCommitted(*posguard.AuditRecord) {
	n.mu.Lock()
	n.due = false
	n.written++
	n.mu.Unlock()
}

// record builds the request's record with outcome; n.mu is held.
func (n *auditNote) record(outcome string) *posguard.AuditRecord {
	changes := ""
	if n.changed && outcome == "ok" { // a refused change changed nothing
		after := n.after
		if f, ok := after.(func() any); ok {
			after = f()
		}
		if n.before != nil || after != nil {
			if b, err := changesJSON(n.before, after); err == nil {
				changes = maskDigitRuns(string(b))
			}
		}
	}
	object := n.object
	if object == "" {
		object = objectOf(n.pattern, n.r)
	}
	return n.s.auth().Record(n.r, n.pattern, object, outcome, changes)
}

// changesView is an audit record's changes: the JSON object
// {"after": …, "before": …}, its keys in the order json.Marshal writes a
// map's.
type changesView struct {
	After  any `json:"after"`
	Before any `json:"before"`
}

// changesJSON returns the JSON of changesView{after, before}: a new QR
// order's appended without reflection when it can be (json_append.go),
// the others through json.Marshal.
func changesJSON(before, after any) ([]byte, error) {
	if note, ok := after.(qrOrderNote); ok && before == nil {
		if b, ok := appendOrderChanges(make([]byte, 0, 128), note); ok {
			return b, nil
		}
	}
	return json.Marshal(changesView{After: after, Before: before})
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

// audited wraps a state-changing route: one audit record names the route
// (action), the object, the outcome ("ok" or the error code answered) and
// what changed. The record of a change commits in the change's own
// transaction (auditNote as the context's posguard.TxAuditor); a request
// that changed nothing through a store transaction (refused, failed, or a
// repeat) gets its record here, after the handler answered, as does a
// request that failed after part of its change committed (a batch stopped
// half-way: the committed parts have theirs, this one says how it ended).
func (s *Server) audited(pattern string, h nethttp.Handler) nethttp.Handler {
	return nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		n := &auditNote{s: s, pattern: pattern, due: true}
		r = r.WithContext(posguard.WithTxAuditor(r.Context(), n))
		n.r = r
		sw := &statusWriter{ResponseWriter: w}
		h.ServeHTTP(sw, r)
		n.mu.Lock()
		defer n.mu.Unlock()
		outcome := "ok"
		if sw.status >= 400 {
			outcome = n.code
			if outcome == "" {
				outcome = strconv.Itoa(sw.status)
			}
		} else if n.written > 0 {
			return
		}
		rec := n.record(outcome)
		s.auth().Audit(r, pattern, rec.Object, outcome, rec.Changes)
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
