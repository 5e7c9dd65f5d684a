// Package schedule runs the back office's calendar by itself: at the cut-off
// of each business day (posguard.Calendar: UTC+8, 23:00 by default) it
// closes the day, settles it T+1, sends the payouts and, when a clearing
// directory is configured, reconciles the network's clearing file; every few
// minutes it pays D0 merchants their qualifying sales.
//
// Every run is a row of the job store (posguard.JobStore) claimed before it
// starts: a run exists once per kind and business day (and slot, for D0),
// whichever instance claims it first, so several schedulers over one
// database never run anything twice. A claim holds for a lease; a scheduler
// that dies mid-run leaves the row running until the lease ends, then any
// scheduler takes it over and runs the step again — each step is idempotent
// (posting by unique keys, settlement that finds nothing left, payouts by
// payout ID, reconciliation by file digest).
package schedule

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"time"

	"github.com/posguard/posguard"
)

// Step runs one kind of job for a business day and says what it did in one
// line. An error whose code is ENOTFOUND means its input is not there yet
// (the job waits and is tried again); any other error fails the attempt,
// which is retried after Scheduler.Retry.
type Step func(ctx context.Context, day string) (string, error)

// Scheduler claims and runs the scheduled jobs. Jobs and the steps of the
// end of day (CloseDay, Settle, Payouts) are required; Recon and D0 are
// optional.
type Scheduler struct {
	Jobs     posguard.JobStore
	Calendar posguard.Calendar
	// Now is the clock (default time.Now); tests and the demo move it.
	Now func() time.Time
	// Owner names this instance in the job rows (default a random
	// "host-…").
	Owner string
	// Lease is how long a claim holds before another instance may take the
	// run over (10 min); Retry is how long a failed or waiting job rests
	// before it is tried again (1 min).
	Lease, Retry time.Duration
	// The end of a business day, in this order, each step once the one
	// before is done.
	CloseDay, Settle, Payouts Step
	// Recon reconciles the day's clearing file (nil: no clearing
	// directory, no job).
	Recon Step
	// D0 pays same-day merchants (nil: no D0 job); it runs every D0Every
	// (5 min), one job per slot of the local day.
	D0      Step
	D0Every time.Duration
	// Since, if set, is the first business day the scheduler closes: a
	// new installation does not settle the day before it started.
	Since  string
	Logger *slog.Logger
}

func (s *Scheduler) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Scheduler) defaults() {
	if s.Owner == "" {
		var b [4]byte
		rand.Read(b[:])
		s.Owner = "host-" + hex.EncodeToString(b[:])
	}
	if s.Lease <= 0 {
		s.Lease = 10 * time.Minute
	}
	if s.Retry <= 0 {
		s.Retry = time.Minute
	}
	if s.D0Every <= 0 {
		s.D0Every = 5 * time.Minute
	}
	if s.Logger == nil {
		s.Logger = slog.New(slog.DiscardHandler)
	}
}

// Run calls Tick every every (default 5 s) until ctx ends.
func (s *Scheduler) Run(ctx context.Context, every time.Duration) {
	if every <= 0 {
		every = 5 * time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := s.Tick(ctx); err != nil && ctx.Err() == nil {
			s.Logger.Error("scheduler", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// ClosedDay returns the last business day whose cut-off has passed at now.
func (s *Scheduler) ClosedDay(now time.Time) string {
	open, _ := time.Parse("2006-01-02", s.Calendar.SettlementDate(now))
	return open.AddDate(0, 0, -1).Format("2006-01-02")
}

// Tick runs what is due at the scheduler's clock: the end-of-day steps of
// the last closed business day not yet done (in order, stopping at one
// that fails, waits or is another instance's), then the D0 job of the
// current slot. It returns the jobs this call ran.
func (s *Scheduler) Tick(ctx context.Context) ([]*posguard.Job, error) {
	s.defaults()
	now := s.now()
	var ran []*posguard.Job
	day := s.ClosedDay(now)
	if s.Since == "" || day >= s.Since {
		steps := []struct {
			kind posguard.JobKind
			run  Step
		}{{posguard.JobCloseDay, s.CloseDay}, {posguard.JobSettle, s.Settle}, {posguard.JobPayouts, s.Payouts}, {posguard.JobRecon, s.Recon}}
		for _, st := range steps {
			if st.run == nil {
				continue
			}
			j, done, err := s.runOnce(ctx, st.kind, day, "", st.run)
			if j != nil {
				ran = append(ran, j)
			}
			if err != nil {
				return ran, err
			}
			if !done {
				break
			}
		}
	}
	if s.D0 != nil {
		local := now.In(s.Calendar.Zone())
		midnight := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, local.Location())
		slot := midnight.Add(local.Sub(midnight).Truncate(s.D0Every)).Format("15:04:05")
		j, _, err := s.runOnce(ctx, posguard.JobD0, local.Format("2006-01-02"), slot, s.D0)
		if j != nil {
			ran = append(ran, j)
		}
		if err != nil {
			return ran, err
		}
	}
	return ran, nil
}

// runOnce runs the job (kind, day, slot) if it is not done and no live
// claim holds it: it claims the row, runs the step and records the outcome.
// done reports whether the job is done now (by this call or before).
func (s *Scheduler) runOnce(ctx context.Context, kind posguard.JobKind, day, slot string, run Step) (*posguard.Job, bool, error) {
	key := posguard.JobKey(kind, day, slot)
	if j, err := s.Jobs.Job(ctx, key); err == nil && j.State == posguard.JobDone {
		return nil, true, nil
	} else if err != nil && posguard.ErrorCode(err) != posguard.ENOTFOUND {
		return nil, false, err
	}
	now := s.now()
	j, ok, err := s.Jobs.ClaimJob(ctx, kind, day, slot, s.Owner, now, now.Add(s.Lease))
	if err != nil || !ok {
		return nil, false, err
	}
	s.Logger.Info("job started", "job", key, "attempt", j.Attempts, "owner", s.Owner)
	result, runErr := s.safeRun(ctx, run, day)
	at := s.now()
	state, errText := posguard.JobDone, ""
	if runErr != nil {
		state, errText = posguard.JobFailed, runErr.Error()
		if posguard.ErrorCode(runErr) == posguard.ENOTFOUND {
			state = posguard.JobWaiting
		}
	}
	if err := s.Jobs.FinishJob(ctx, key, s.Owner, j.Attempts, state, result, errText, at, at.Add(s.Retry)); err != nil {
		return nil, false, err
	}
	j.State, j.Result, j.Error, j.FinishedAt = state, result, errText, at
	if runErr != nil {
		s.Logger.Warn("job not done", "job", key, "state", state, "err", runErr)
	} else {
		s.Logger.Info("job done", "job", key, "result", result)
	}
	return j, state == posguard.JobDone, nil
}

// safeRun runs a step, turning a panic into a failed attempt.
func (s *Scheduler) safeRun(ctx context.Context, run Step, day string) (result string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = posguard.Errorf(posguard.EINTERNAL, "job step panicked: %v", r)
		}
	}()
	return run(ctx, day)
}

// Describe returns a one-line account of a job for logs and the demo.
func Describe(j *posguard.Job) string {
	what := string(j.Kind) + " " + j.Day
	if j.Slot != "" {
		what += " " + j.Slot
	}
	if j.Error != "" {
		return fmt.Sprintf("%s: %s (%s)", what, j.State, j.Error)
	}
	if j.State == posguard.JobRunning {
		return fmt.Sprintf("%s: running (attempt %d, %s)", what, j.Attempts, j.Owner)
	}
	return fmt.Sprintf("%s: %s — %s", what, j.State, j.Result)
}
