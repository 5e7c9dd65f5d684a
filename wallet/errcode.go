package wallet

import (
	"errors"

	posguard "github.com/posguard/posguard"
)

// The err_code values of the spec (§2.3).
const (
	ErrSignError          = "SIGNERROR"
	ErrParamError         = "PARAM_ERROR"
	ErrAppIDMchIDNotMatch = "APPID_MCHID_NOT_MATCH"
	ErrRequestExpired     = "REQUEST_EXPIRED"
	ErrNonceReused        = "NONCE_REUSED"
	ErrUserPaying         = "USERPAYING"
	ErrAuthCodeExpire     = "AUTHCODEEXPIRE"
	ErrAuthCodeInvalid    = "AUTH_CODE_INVALID"
	ErrNotEnough          = "NOTENOUGH"
	ErrTradeError         = "TRADE_ERROR"
	ErrOrderPaid          = "ORDERPAID"
	ErrOrderClosed        = "ORDERCLOSED"
	ErrOrderReversed      = "ORDERREVERSED"
	ErrOrderNotExist      = "ORDERNOTEXIST"
	ErrOutTradeNoUsed     = "OUT_TRADE_NO_USED"
	ErrRefundExceeded     = "REFUND_AMOUNT_EXCEEDED"
	ErrTradeStateError    = "TRADE_STATE_ERROR"
	ErrOutRefundNoUsed    = "OUT_REFUND_NO_USED"
	ErrRefundNotExist     = "REFUNDNOTEXIST"
	ErrBillNotReady       = "BILL_NOT_READY"
	ErrSystemError        = "SYSTEMERROR"
)

// errCodes maps every known err_code to the posguard error code it becomes.
var errCodes = map[string]string{
	ErrSignError:          posguard.EUNAUTHORIZED,
	ErrParamError:         posguard.EINVALID,
	ErrAppIDMchIDNotMatch: posguard.EUNAUTHORIZED,
	ErrRequestExpired:     posguard.EINVALID,
	ErrNonceReused:        posguard.EINVALID,
	ErrUserPaying:         posguard.EUNAVAILABLE,
	ErrAuthCodeExpire:     posguard.EINVALID,
	ErrAuthCodeInvalid:    posguard.EINVALID,
	ErrNotEnough:          posguard.EINVALID,
	ErrTradeError:         posguard.EFORBIDDEN,
	ErrOrderPaid:          posguard.ECONFLICT,
	ErrOrderClosed:        posguard.ECONFLICT,
	ErrOrderReversed:      posguard.ECONFLICT,
	ErrOrderNotExist:      posguard.ENOTFOUND,
	ErrOutTradeNoUsed:     posguard.ECONFLICT,
	ErrRefundExceeded:     posguard.ECONFLICT,
	ErrTradeStateError:    posguard.ECONFLICT,
	ErrOutRefundNoUsed:    posguard.ECONFLICT,
	ErrRefundNotExist:     posguard.ENOTFOUND,
	ErrBillNotReady:       posguard.EUNAVAILABLE,
	ErrSystemError:        posguard.EUNAVAILABLE,
}

// KnownErrCode reports whether code is an err_code of the spec.
func KnownErrCode(code string) bool { _, ok := errCodes[code]; return ok }

// ChannelError is a trusted answer's refusal: ErrCode is the channel's
// err_code (normalised), Code the posguard error code it maps to.
type ChannelError struct {
	ErrCode string
	Msg     string
	err     *posguard.Error
}

func (e *ChannelError) Error() string { return e.err.Error() }

// Unwrap gives the *posguard.Error, so posguard.ErrorCode works.
func (e *ChannelError) Unwrap() error { return e.err }

// ErrorFor returns the error for a channel err_code: a *ChannelError whose
// posguard code is EUNAUTHORIZED (signature, identity), EINVALID (parameters,
// payer's code or balance), EFORBIDDEN (risk control), ECONFLICT (order or
// refund state, numbers reused), ENOTFOUND (unknown order or refund) or
// EUNAVAILABLE (USERPAYING, BILL_NOT_READY, SYSTEMERROR and unknown codes).
func ErrorFor(errCode, msg string) error {
	c, ok := errCodes[errCode]
	if !ok {
		errCode, c = ErrSystemError, posguard.EUNAVAILABLE
	}
	return &ChannelError{ErrCode: errCode, Msg: msg,
		err: posguard.Errorf(c, "wallet channel: %s: %s", errCode, msg)}
}

// unknownError marks a call without a trusted answer.
type unknownError struct{ err *posguard.Error }

func (e *unknownError) Error() string { return e.err.Error() }
func (e *unknownError) Unwrap() error { return e.err }

// IsUnknown reports whether err means the call got no trusted answer (a
// timeout, a connection error, HTTP status ≠ 200, a missing or wrong
// signature, another nonce or order number, a body that is not an answer):
// the request may or may not have been applied.
func IsUnknown(err error) bool {
	var u *unknownError
	return errors.As(err, &u)
}

func unknown(code string, cause error, format string, args ...any) error {
	if cause != nil {
		return &unknownError{posguard.WrapError(code, cause, format, args...)}
	}
	return &unknownError{posguard.Errorf(code, format, args...)}
}
