package sqlstore

import (
	"context"
	"time"

	"github.com/posguard/posguard"
)

var _ posguard.JobStore = (*Store)(nil)

// jobTable is jobs, keyed by posguard.JobKey.
var jobTable = newTable("jobs", "", `key, kind, day, slot, state, owner, attempts, result, error, started_at, finished_at, lease_until`,
	func(j *posguard.Job) []any {
		return []any{&j.Key, &j.Kind, &j.Day, &j.Slot, &j.State, &j.Owner, &j.Attempts, &j.Result, &j.Error,
			&j.StartedAt, &j.FinishedAt, &j.LeaseUntil}
	})

// ClaimJob implements posguard.JobStore with one statement: an INSERT whose
// conflict takes the row over only when it is not done and its lease_until
// passed. RETURNING gives a row exactly when this claim won; on PostgreSQL a
// concurrent claimer waits for the row and then sees it taken.
func (s *Store) ClaimJob(ctx context.Context, kind posguard.JobKind, day, slot, owner string, now, lease time.Time) (*posguard.Job, bool, error) {
	if kind == "" || day == "" || owner == "" {
		return nil, false, posguard.Errorf(posguard.EINVALID, "claim job: kind, day and owner are required")
	}
	key := posguard.JobKey(kind, day, slot)
	var attempts int // 0: no row, the claim lost
	err := found(s.DB, s.DB.WriteRow(ctx, `INSERT INTO jobs (`+jobTable.cols+`) VALUES (?, ?, ?, ?, 'running', ?, 1, '', '', ?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET state = 'running', owner = excluded.owner, attempts = jobs.attempts + 1,
			error = '', started_at = excluded.started_at, finished_at = excluded.finished_at, lease_until = excluded.lease_until
		WHERE jobs.state <> 'done' AND jobs.lease_until < ?
		RETURNING attempts`,
		key, string(kind), day, slot, owner, s.T(now), s.T(time.Time{}), s.T(lease), s.T(now)).Scan(&attempts), "claim job "+key, none)
	if err != nil || attempts == 0 {
		return nil, false, err
	}
	j, err := s.Job(ctx, key)
	if err != nil {
		return nil, false, err
	}
	if j.Owner != owner || j.Attempts != attempts {
		// Taken over between the claim and the read: the lease was already
		// over when it was read back.
		return nil, false, nil
	}
	return j, true, nil
}

// FinishJob implements posguard.JobStore.
func (s *Store) FinishJob(ctx context.Context, key, owner string, attempt int, state posguard.JobState, result, errText string, at, retry time.Time) error {
	switch state {
	case posguard.JobDone, posguard.JobFailed, posguard.JobWaiting:
	default:
		return posguard.Errorf(posguard.EINVALID, "finish job %s: state %q is not an outcome", key, state)
	}
	if state == posguard.JobDone {
		retry = at
	}
	n, err := s.DB.Exec(ctx, "finish job "+key, `UPDATE jobs SET state = ?, result = ?, error = ?, finished_at = ?, lease_until = ?
		WHERE key = ? AND owner = ? AND attempts = ? AND state = 'running'`,
		string(state), result, errText, s.T(at), s.T(retry), key, owner, attempt)
	if err != nil {
		return err
	}
	if n == 0 {
		return posguard.Errorf(posguard.ECONFLICT, "job %s: attempt %d of %s no longer holds the claim", key, attempt, owner)
	}
	return nil
}

// Job implements posguard.JobStore.
func (s *Store) Job(ctx context.Context, key string) (*posguard.Job, error) {
	return jobTable.get(ctx, s.DB, "query jobs", func() error { return posguard.Errorf(posguard.ENOTFOUND, "job %q not found", key) },
		` WHERE key = ?`, key)
}

// Jobs implements posguard.JobStore.
func (s *Store) Jobs(ctx context.Context, f posguard.JobFilter) ([]*posguard.Job, error) {
	a := &Args{}
	return jobTable.page(ctx, s, "query jobs", a, a.Eq("day", f.Day, "kind", f.Kind), "started_at DESC, key DESC", f.Limit, 100, 1000)
}
