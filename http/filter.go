package http

import (
	"net/url"
	"strconv"
	"time"

	"github.com/posguard/posguard"
)

// states lists every transaction state the state= filter accepts.
var states = map[posguard.State]bool{
	posguard.StateReceived: true, posguard.StateRejected: true, posguard.StateForwarded: true,
	posguard.StateApproved: true, posguard.StateDeclined: true, posguard.StateTimedOut: true,
	posguard.StateReversalPending: true, posguard.StateReversed: true, posguard.StateReversalFailed: true,
	posguard.StateVoided: true, posguard.StatePartRefunded: true, posguard.StateRefunded: true,
	posguard.StateCompleted: true,
}

// parseTxnFilter reads the query of GET /v1/transactions. A bad parameter is
// EINVALID naming it.
func parseTxnFilter(q url.Values) (posguard.TxnFilter, error) {
	var f posguard.TxnFilter
	var err error
	if f.MerchantID, err = idParam(q, "merchant", 15); err != nil {
		return f, err
	}
	if f.TerminalID, err = idParam(q, "terminal", 8); err != nil {
		return f, err
	}
	if v := q.Get("state"); v != "" {
		if !states[posguard.State(v)] {
			return f, invalidParam("state", "unknown state %q", v)
		}
		f.State = posguard.State(v)
	}
	if v := q.Get("code"); v != "" {
		if !isResponseCode(v) {
			return f, invalidParam("code", "%q is not a field 39 code (two letters or digits)", v)
		}
		f.ResponseCode = v
	}
	if f.From, err = timeParam(q, "from"); err != nil {
		return f, err
	}
	if f.To, err = timeParam(q, "to"); err != nil {
		return f, err
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return f, invalidParam("to", "must be after from")
	}
	if f.Limit, err = limitParam(q, 50, maxListLimit); err != nil {
		return f, err
	}
	if v := q.Get("cursor"); v != "" {
		if f.After, err = decodeCursor(v); err != nil {
			return f, err
		}
	}
	return f, nil
}

// idParam reads an identifier parameter of at most max printable ASCII
// characters ("" when absent).
func idParam(q url.Values, name string, max int) (string, error) {
	v := q.Get(name)
	if len(v) > max {
		return "", invalidParam(name, "longer than %d characters", max)
	}
	for i := 0; i < len(v); i++ {
		if v[i] <= ' ' || v[i] > '~' {
			return "", invalidParam(name, "must be printable ASCII without spaces")
		}
	}
	return v, nil
}

// isResponseCode reports whether v looks like a field 39 code.
func isResponseCode(v string) bool {
	if len(v) != 2 {
		return false
	}
	for i := 0; i < 2; i++ {
		c := v[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// timeParam reads an RFC 3339 time parameter (zero when absent).
func timeParam(q url.Values, name string) (time.Time, error) {
	v := q.Get(name)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, invalidParam(name, "%q is not an RFC 3339 time (e.g. 2025-01-02T15:04:05Z)", v)
	}
	if err := checkTimeRange(name, t); err != nil {
		return time.Time{}, err
	}
	return t.UTC(), nil
}

// limitParam reads limit= in [1, max], def when absent.
func limitParam(q url.Values, def, max int) (int, error) {
	v := q.Get("limit")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > max {
		return 0, invalidParam("limit", "%q is not a number from 1 to %d", v, max)
	}
	return n, nil
}
