package sqlstore

import (
	"context"
	"errors"

	"github.com/posguard/posguard"
)

// MapError maps a driver error to a posguard error with the message
// "prefix: op": posguard errors pass unchanged, an exceeded deadline is
// ETIMEOUT, and otherwise classify (the driver's own codes) names the code,
// EINTERNAL when it returns "". nil stays nil.
func MapError(err error, prefix, op string, classify func(error) string) error {
	if err == nil {
		return nil
	}
	var pe *posguard.Error
	if errors.As(err, &pe) {
		return err
	}
	code := posguard.EINTERNAL
	if errors.Is(err, context.DeadlineExceeded) {
		code = posguard.ETIMEOUT
	} else if c := classify(err); c != "" {
		code = c
	}
	return posguard.WrapError(code, err, "%s: %s", prefix, op)
}
