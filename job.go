package posguard

import (
	"context"
	"time"
)

// JobKind names a scheduled run of the back office.
type JobKind string

// Job kinds, in the order the end of a business day runs them.
const (
	JobCloseDay JobKind = "close_day" // the day's journal posted to the ledger
	JobSettle   JobKind = "settle_t1" // T+1 settlement of the closed day
	JobPayouts  JobKind = "payouts"   // the day's queued payouts sent to the bank
	JobRecon    JobKind = "recon"     // the network's clearing file of the day reconciled
	JobD0       JobKind = "d0"        // same-day (D0) payouts, every few minutes
)

// JobState is where a scheduled run is.
type JobState string

// Job states. A running job whose lease expired, a failed one and a waiting
// one are claimed again (after their retry time); a done one never is.
const (
	JobRunning JobState = "running"
	JobDone    JobState = "done"
	JobFailed  JobState = "failed"
	JobWaiting JobState = "waiting" // its input is not there yet (a clearing file)
)

// Job is one scheduled run: a kind, the business day it is for and, for a
// job that runs many times a day, its slot (local "HH:MM:SS", when it began). Its Key,
// "KIND:DAY" or "KIND:DAY:SLOT", is unique: the row is the claim.
type Job struct {
	Key      string
	Kind     JobKind
	Day      string // business day YYYY-MM-DD
	Slot     string // "" or "HH:MM:SS"
	State    JobState
	Owner    string // the instance that claimed it last
	Attempts int    // claims so far
	Result   string // what the last attempt did, in one line
	Error    string // why the last attempt failed or waits
	// StartedAt is when the last attempt began; FinishedAt when it ended
	// (zero while running); LeaseUntil is when a running claim expires, or
	// when a failed or waiting job may be tried again.
	StartedAt, FinishedAt, LeaseUntil time.Time
}

// JobKey returns the key of kind's run of day in slot ("" for once a day).
func JobKey(kind JobKind, day, slot string) string {
	if slot == "" {
		return string(kind) + ":" + day
	}
	return string(kind) + ":" + day + ":" + slot
}

// JobFilter selects jobs; empty fields match all.
type JobFilter struct {
	Day   string
	Kind  JobKind
	Limit int // default 100, at most 1000
}

// JobStore keeps the scheduled runs.
type JobStore interface {
	// ClaimJob claims kind's run of day in slot for owner until lease: it
	// creates the row (state running, attempt 1), or takes over one not
	// done whose LeaseUntil is before now (a running claim that expired, a
	// failure or a wait whose retry time came). It returns the job and
	// true when claimed; false when the run is done or another claim still
	// holds — two claimers never both get true.
	ClaimJob(ctx context.Context, kind JobKind, day, slot, owner string, now, lease time.Time) (*Job, bool, error)
	// FinishJob records the outcome of attempt of job key by owner: state
	// (done, failed or waiting), result, error, and for failed or waiting
	// when it may be retried. ECONFLICT if that claim was lost (another
	// owner took the job over).
	FinishJob(ctx context.Context, key, owner string, attempt int, state JobState, result, errText string, at, retry time.Time) error
	// Job returns the job with key; ENOTFOUND if none.
	Job(ctx context.Context, key string) (*Job, error)
	// Jobs returns the jobs matching f, the latest started first.
	Jobs(ctx context.Context, f JobFilter) ([]*Job, error)
}
