package posguard

import (
	"context"
	"time"
)

// LimitRequestState is where a limit-increase request (提额申请) is.
type LimitRequestState string

// Limit-increase request states: pending until a risk user approves (the
// merchant's limits become the requested ones) or rejects it.
const (
	LimitRequestPending  LimitRequestState = "pending"
	LimitRequestApproved LimitRequestState = "approved"
	LimitRequestRejected LimitRequestState = "rejected"
)

// LimitRequest is a merchant's request to change its limits, decided by a
// risk user.
type LimitRequest struct {
	ID         int64
	MerchantID string
	// Previous are the merchant's limits when the request was made;
	// Requested the limits asked for (every field: those not asked keep
	// their previous value).
	Previous, Requested Limits
	Reason              string // the merchant's words (free text, masked)
	State               LimitRequestState
	RequestedBy         string
	RequestedAt         time.Time
	DecidedBy           string
	DecidedAt           time.Time
	Note                string // the decider's words
}

// LimitRequestFilter selects limit requests; empty fields match all.
type LimitRequestFilter struct {
	MerchantID string
	State      LimitRequestState
	Limit      int // default 50, max 1000
}

// LimitRequestStore keeps limit-increase requests.
type LimitRequestStore interface {
	// CreateLimitRequest stores r as pending and sets its ID and
	// RequestedAt. ENOTFOUND if the merchant does not exist; EINVALID for
	// a negative limit.
	CreateLimitRequest(ctx context.Context, r *LimitRequest) error
	// LimitRequest returns request id; ENOTFOUND if none.
	LimitRequest(ctx context.Context, id int64) (*LimitRequest, error)
	// LimitRequests returns requests matching f, newest first.
	LimitRequests(ctx context.Context, f LimitRequestFilter) ([]*LimitRequest, error)
	// DecideLimitRequest approves or rejects pending request id by user
	// by, with note; an approval sets the merchant's limits to the
	// requested ones in the same store transaction. Returns the decided
	// request; ENOTFOUND if none; ECONFLICT if it is not pending; EINVALID
	// for a state other than approved or rejected.
	DecideLimitRequest(ctx context.Context, id int64, state LimitRequestState, by, note string) (*LimitRequest, error)
}
