package posguard

import (
	"errors"
	"fmt"
)

// Error codes: the closed set every layer maps from. Each edge translates them
// once, in one table (HTTP status in http/, field 39 in terminal/).
const (
	ECONFLICT     = "conflict"     // a unique key already exists with other content
	EINTERNAL     = "internal"     // a fault inside posguard
	EINVALID      = "invalid"      // the caller's input is wrong
	ENOTFOUND     = "not_found"    // the named thing does not exist
	EUNAVAILABLE  = "unavailable"  // a dependency (network, store) cannot be reached
	ETIMEOUT      = "timeout"      // a dependency did not answer in time
	EUNAUTHORIZED = "unauthorized" // credentials missing or wrong
	EFORBIDDEN    = "forbidden"    // the user's role may not do this
	ELOCKED       = "locked"       // too many failed logins for this name; try later
	ESTALE        = "stale"        // the cache version a request assumed moved on before its first write: nothing was written
)

// Error is posguard's one error type: a code from the closed set above and a
// message safe to show to a caller (it never holds card data).
type Error struct {
	Code    string
	Message string
	Err     error // optional underlying cause
}

// Error returns the message, prefixed by the cause when there is one.
func (e *Error) Error() string {
	if e.Err != nil {
		if e.Message == "" {
			return e.Err.Error()
		}
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// WrapError returns an *Error with code whose cause is err.
func WrapError(code string, err error, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Err: err}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for
// any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message of the first *Error in err's chain, or a
// generic text for other errors (their text may hold internal detail).
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}
