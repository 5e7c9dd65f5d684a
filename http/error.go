package http

import (
	"encoding/json"
	"log/slog"
	nethttp "net/http"
	"sync"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/qr"
)

// statusFor is the one table mapping posguard error codes to HTTP statuses.
var statusFor = map[string]int{
	posguard.EINVALID:      nethttp.StatusBadRequest,
	posguard.EUNAUTHORIZED: nethttp.StatusUnauthorized,
	posguard.EFORBIDDEN:    nethttp.StatusForbidden,
	posguard.ELOCKED:       nethttp.StatusTooManyRequests,
	posguard.ENOTFOUND:     nethttp.StatusNotFound,
	posguard.ECONFLICT:     nethttp.StatusConflict,
	posguard.EINTERNAL:     nethttp.StatusInternalServerError,
	posguard.EUNAVAILABLE:  nethttp.StatusServiceUnavailable,
	posguard.ETIMEOUT:      nethttp.StatusGatewayTimeout,
	posguard.ESTALE:        nethttp.StatusServiceUnavailable, // re-run by the router, never answered
}

// errorStatus returns the HTTP status for err's posguard code (500 for an
// unknown code).
func errorStatus(err error) int {
	if st, ok := statusFor[posguard.ErrorCode(err)]; ok {
		return st
	}
	return nethttp.StatusInternalServerError
}

// errorBody is the JSON shape of every error answer.
type errorBody struct {
	Error errorDetail `json:"error"`
}

// errorDetail is the code and caller-safe message of an error answer.
type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// viewBufs holds the buffers order views are appended in.
var viewBufs = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// writeJSON writes v as JSON with status.
func writeJSON(w nethttp.ResponseWriter, status int, v any) {
	// The three values in one allocation (Header.Set makes one slice per
	// value); the names are canonical, as Set would write them.
	hv := []string{"application/json; charset=utf-8", "nosniff", "no-store"}
	h := w.Header()
	h["Content-Type"], h["X-Content-Type-Options"], h["Cache-Control"] = hv[0:1:1], hv[1:2:2], hv[2:3:3]
	w.WriteHeader(status)
	if o, ok := v.(qr.OrderView); ok {
		// The answer to every QR order, appended without reflection
		// when it can be (json_append.go).
		bp := viewBufs.Get().(*[]byte)
		b, ok := appendOrderView((*bp)[:0], &o)
		if ok {
			_, _ = w.Write(append(b, '\n'))
		}
		*bp = b[:0]
		viewBufs.Put(bp)
		if ok {
			return
		}
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// writeError answers with err in the error shape. Internal errors (status
// 500, or codes outside the closed set) are logged with their full text and
// answered with a generic message.
func (s *Server) writeError(w nethttp.ResponseWriter, r *nethttp.Request, err error) {
	code := posguard.ErrorCode(err)
	status := errorStatus(err)
	if n := note(r); n != nil {
		n.code = code
	}
	msg := posguard.ErrorMessage(err)
	if status == nethttp.StatusInternalServerError {
		s.logger().LogAttrs(r.Context(), slog.LevelError, "http: internal error",
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("err", err.Error()))
		code, msg = posguard.EINTERNAL, "internal error"
	} else if status >= 500 {
		s.logger().LogAttrs(r.Context(), slog.LevelWarn, "http: dependency error",
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("err", err.Error()))
	}
	// A caller may put a card number in a path or parameter; it is not
	// echoed back whole.
	writeJSON(w, status, errorBody{Error: errorDetail{Code: code, Message: maskDigitRuns(msg)}})
}

// invalidParam is the error for a bad query or path parameter; the message
// names the parameter.
func invalidParam(name, format string, args ...any) error {
	e := posguard.Errorf(posguard.EINVALID, format, args...)
	e.Message = name + ": " + e.Message
	return e
}
