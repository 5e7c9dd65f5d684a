package sqlstore

import (
	"context"
	"errors"
	"time"

	"github.com/posguard/posguard"
)

var _ posguard.JobStore = (*Store)(nil)

const jobCols = `key, kind, day, slot, state, owner, attempts, result, error, started_at, finished_at, lease_until`

// ClaimJob implements posguard.JobStore with one statement: an INSERT whose
// conflict takes the row over only when it is not done and its lease_until
// passed. RETURNING gives a row exactly when this claim won; on PostgreSQL a
// concurrent claimer waits for the row and then sees it taken.
func (s *Store) ClaimJob(ctx context.Context, kind posguard.JobKind, day, slot, owner string, now, lease time.Time) (*posguard.Job, bool, error) {
	if kind == "" || day == "" || owner == "" {
		return nil, false, posguard.Errorf(posguard.EINVALID, "claim job: kind, day and owner are required")
	}
	key := posguard.JobKey(kind, day, slot)
	var attempts int
	err := s.DB.WriteRow(ctx, `INSERT INTO jobs (`+jobCols+`) VALUES (?, ?, ?, ?, 'running', ?, 1, '', '', ?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET state = 'running', owner = excluded.owner, attempts = jobs.attempts + 1,
			error = '', started_at = excluded.started_at, finished_at = excluded.finished_at, lease_until = excluded.lease_until
		WHERE jobs.state <> 'done' AND jobs.lease_until < ?
		RETURNING attempts`,
		key, string(kind), day, slot, owner, s.T(now), s.T(time.Time{}), s.T(lease), s.T(now)).Scan(&attempts)
	if errors.Is(err, ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, s.DB.Err(err, "claim job "+key)
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
	js, err := s.queryJobs(ctx, `SELECT `+jobCols+` FROM jobs WHERE key = ?`, key)
	if err != nil {
		return nil, err
	}
	if len(js) == 0 {
		return nil, posguard.Errorf(posguard.ENOTFOUND, "job %q not found", key)
	}
	return js[0], nil
}

// Jobs implements posguard.JobStore.
func (s *Store) Jobs(ctx context.Context, f posguard.JobFilter) ([]*posguard.Job, error) {
	q := `SELECT ` + jobCols + ` FROM jobs WHERE 1 = 1`
	var args []any
	if f.Day != "" {
		q += ` AND day = ?`
		args = append(args, f.Day)
	}
	if f.Kind != "" {
		q += ` AND kind = ?`
		args = append(args, string(f.Kind))
	}
	q += ` ORDER BY started_at DESC, key DESC LIMIT ?`
	args = append(args, pageLimit(f.Limit, 100, 1000))
	return s.queryJobs(ctx, q, args...)
}

func (s *Store) queryJobs(ctx context.Context, q string, args ...any) ([]*posguard.Job, error) {
	rows, err := s.DB.Query(ctx, "query jobs", q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*posguard.Job
	for rows.Next() {
		j := &posguard.Job{}
		var kind, state string
		if err := rows.Scan(&j.Key, &kind, &j.Day, &j.Slot, &state, &j.Owner, &j.Attempts, &j.Result, &j.Error,
			TimeCol(&j.StartedAt), TimeCol(&j.FinishedAt), TimeCol(&j.LeaseUntil)); err != nil {
			return nil, s.DB.Err(err, "scan job")
		}
		j.Kind, j.State = posguard.JobKind(kind), posguard.JobState(state)
		out = append(out, j)
	}
	return out, s.DB.Err(rows.Err(), "read jobs")
}
