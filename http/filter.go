package http

import (
	"net/url"
	"strconv"
	"strings"
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
	if err := parseSearch(q, &f); err != nil {
		return f, err
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

// parseSearch reads the search parameters of GET /v1/transactions: rrn
// (field 37, 12 characters), auth_code (field 38, 6 characters), card_tail
// (the card's last 4 digits), amount (fen) or amount_yuan ("12.34").
func parseSearch(q url.Values, f *posguard.TxnFilter) error {
	var err error
	if f.RRN, err = codeParam(q, "rrn", 12); err != nil {
		return err
	}
	if f.AuthCode, err = codeParam(q, "auth_code", 6); err != nil {
		return err
	}
	if v := q.Get("card_tail"); v != "" {
		if len(v) != 4 || strings.Trim(v, "0123456789") != "" {
			return invalidParam("card_tail", "want the card's last 4 digits, got %q", v)
		}
		f.CardTail = v
	}
	fen, yuan := q.Get("amount"), q.Get("amount_yuan")
	switch {
	case fen != "" && yuan != "":
		return invalidParam("amount", "give amount (fen) or amount_yuan, not both")
	case fen != "":
		n, err := strconv.ParseInt(fen, 10, 64)
		if err != nil || n <= 0 || strconv.FormatInt(n, 10) != fen {
			return invalidParam("amount", "%q is not a positive amount in fen (1234 for 12.34 yuan)", fen)
		}
		f.Amount = posguard.Amount(n)
	case yuan != "":
		a, ok := parseYuan(yuan)
		if !ok {
			return invalidParam("amount_yuan", "%q is not an amount in yuan (12.34)", yuan)
		}
		f.Amount = a
	}
	return nil
}

// codeParam reads an exact-length code of letters and digits ("" when
// absent).
func codeParam(q url.Values, name string, n int) (string, error) {
	v := q.Get(name)
	if v == "" {
		return "", nil
	}
	if len(v) != n {
		return "", invalidParam(name, "want %d letters or digits, got %q", n, v)
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
			return "", invalidParam(name, "want %d letters or digits, got %q", n, v)
		}
	}
	return v, nil
}

// parseYuan reads a positive yuan amount with at most two decimals.
func parseYuan(v string) (posguard.Amount, bool) {
	whole, frac, dot := strings.Cut(v, ".")
	if whole == "" || len(whole) > 12 || strings.Trim(whole, "0123456789") != "" ||
		(dot && (frac == "" || len(frac) > 2 || strings.Trim(frac, "0123456789") != "")) {
		return 0, false
	}
	w, _ := strconv.ParseInt(whole, 10, 64)
	f := int64(0)
	if frac != "" {
		f, _ = strconv.ParseInt(frac, 10, 64)
		if len(frac) == 1 {
			f *= 10
		}
	}
	a := posguard.Amount(w*100 + f)
	return a, a > 0
}
