package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/sqlstore"
)

var (
	_ posguard.IncidentStore  = (*Store)(nil)
	_ posguard.AnalyticsStore = (*Store)(nil)
)

// AddRollups adds each delta to its bucket and records terminals' last-seen
// times, in one transaction.
func (s *Store) AddRollups(ctx context.Context, deltas []posguard.Rollup, seen map[string]time.Time) error {
	if len(deltas) == 0 && len(seen) == 0 {
		return nil
	}
	err := s.writeTx(ctx, "add rollups", func(ctx context.Context, tx *sql.Tx) error {
		for _, d := range deltas {
			if d.Window.Duration() == 0 || !d.Dimension.Valid() {
				return posguard.Errorf(posguard.EINVALID, "rollup: unknown window %q or dimension %q", d.Window, d.Dimension)
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO rollups (win, dim, key, bucket, total, failed, timeouts, unavailable, reversals)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (win, dim, bucket, key) DO UPDATE SET
					total = total + excluded.total, failed = failed + excluded.failed,
					timeouts = timeouts + excluded.timeouts, unavailable = unavailable + excluded.unavailable,
					reversals = reversals + excluded.reversals`,
				string(d.Window), string(d.Dimension), d.Key, nanos(d.Window.Bucket(d.Bucket)),
				d.Total, d.Failed, d.Timeouts, d.Unavailable, d.Reversals)
			if err != nil {
				return err
			}
		}
		for tid, at := range seen {
			_, err := tx.ExecContext(ctx, `INSERT INTO terminal_activity (terminal_id, last_seen) VALUES (?, ?)
				ON CONFLICT (terminal_id) DO UPDATE SET last_seen = max(last_seen, excluded.last_seen)`, tid, nanos(at.UTC()))
			if err != nil {
				return err
			}
		}
		return nil
	})
	return dbError(err, "add rollups")
}

// Rollups returns the buckets matching q, by bucket then key.
func (s *Store) Rollups(ctx context.Context, q posguard.RollupQuery) ([]posguard.Rollup, error) {
	sqlq := `SELECT key, bucket, total, failed, timeouts, unavailable, reversals FROM rollups
		WHERE win = ? AND dim = ? AND bucket >= ? AND bucket < ?`
	to := q.To
	if to.IsZero() {
		to = time.Unix(0, 1<<62)
	}
	args := []any{string(q.Window), string(q.Dimension), nanos(q.From), to.UnixNano()}
	if q.Key != "" {
		sqlq += " AND key = ?"
		args = append(args, q.Key)
	}
	rows, err := s.read.QueryContext(ctx, sqlq+" ORDER BY bucket, key", args...)
	if err != nil {
		return nil, dbError(err, "rollups")
	}
	defer rows.Close()
	out := []posguard.Rollup{}
	for rows.Next() {
		r := posguard.Rollup{Window: q.Window, Dimension: q.Dimension}
		var b int64
		if err := rows.Scan(&r.Key, &b, &r.Total, &r.Failed, &r.Timeouts, &r.Unavailable, &r.Reversals); err != nil {
			return nil, dbError(err, "rollups")
		}
		r.Bucket = fromNanos(b)
		out = append(out, r)
	}
	return out, dbError(rows.Err(), "rollups")
}

// TerminalSeen returns when a terminal last sent a request (zero if never).
func (s *Store) TerminalSeen(ctx context.Context, tid string) (time.Time, error) {
	var n int64
	err := s.read.QueryRowContext(ctx, `SELECT last_seen FROM terminal_activity WHERE terminal_id = ?`, tid).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	return fromNanos(n), dbError(err, "terminal seen")
}

// OpenIncident inserts i; ECONFLICT if an open incident of the same kind and
// key exists.
func (s *Store) OpenIncident(ctx context.Context, i *posguard.Incident) error {
	m := sqlstore.StringList(i.Merchants)
	sqlstore.OpenIncidentDefaults(i, s.now())
	err := s.writeTx(ctx, "open incident", func(ctx context.Context, tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO incidents (kind, status, dimension, key, cause, rate, baseline, volume,
			merchants, opened_at, updated_at, closed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			string(i.Kind), string(i.Status), i.Dimension, i.Key, i.Cause, i.Rate, i.Baseline, i.Volume, m,
			nanos(i.OpenedAt.UTC()), nanos(i.UpdatedAt.UTC()), nanos(i.ClosedAt)).Scan(&i.ID)
	})
	return dbError(err, "open incident")
}

// UpdateIncident stores i's figures, status and times.
func (s *Store) UpdateIncident(ctx context.Context, i *posguard.Incident) error {
	m := sqlstore.StringList(i.Merchants)
	err := s.writeTx(ctx, "update incident", func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE incidents SET status = ?, cause = ?, rate = ?, baseline = ?, volume = ?,
			merchants = ?, updated_at = ?, closed_at = ? WHERE id = ?`,
			string(i.Status), i.Cause, i.Rate, i.Baseline, i.Volume, m, nanos(i.UpdatedAt.UTC()), nanos(i.ClosedAt), i.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return sqlstore.IncidentNotFound(i.ID)
		}
		return nil
	})
	return dbError(err, "update incident")
}

// Incidents returns incidents matching f, newest first.
func (s *Store) Incidents(ctx context.Context, f posguard.IncidentFilter) ([]*posguard.Incident, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT id, kind, status, dimension, key, cause, rate, baseline, volume, merchants,
		opened_at, updated_at, closed_at FROM incidents
		WHERE (? = '' OR status = ?) AND (? = '' OR kind = ?) ORDER BY id DESC LIMIT ?`,
		string(f.Status), string(f.Status), string(f.Kind), string(f.Kind), sqlstore.ClampLimit(f.Limit))
	if err != nil {
		return nil, dbError(err, "incidents")
	}
	defer rows.Close()
	out := []*posguard.Incident{}
	for rows.Next() {
		var i posguard.Incident
		var kind, status, m string
		var opened, updated, closed int64
		if err := rows.Scan(&i.ID, &kind, &status, &i.Dimension, &i.Key, &i.Cause, &i.Rate, &i.Baseline, &i.Volume, &m,
			&opened, &updated, &closed); err != nil {
			return nil, dbError(err, "incidents")
		}
		i.Kind, i.Status = posguard.IncidentKind(kind), posguard.IncidentStatus(status)
		_ = json.Unmarshal([]byte(m), &i.Merchants)
		i.OpenedAt, i.UpdatedAt, i.ClosedAt = fromNanos(opened), fromNanos(updated), fromNanos(closed)
		out = append(out, &i)
	}
	return out, dbError(rows.Err(), "incidents")
}

// PutNotice inserts n and sets its ID and CreatedAt.
func (s *Store) PutNotice(ctx context.Context, n *posguard.Notice) error {
	m, b := sqlstore.StringList(n.Merchants), sqlstore.StringList(n.BINs)
	n.CreatedAt = s.now()
	err := s.writeTx(ctx, "put notice", func(ctx context.Context, tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO notices (kind, title, body, merchants, bins, from_at, to_at, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			n.Kind, n.Title, n.Body, m, b, nanos(n.From.UTC()), nanos(n.To.UTC()), n.CreatedBy, nanos(n.CreatedAt)).Scan(&n.ID)
	})
	return dbError(err, "put notice")
}

// Notices returns the notices in force at `at` (zero: all), newest first.
func (s *Store) Notices(ctx context.Context, at time.Time, limit int) ([]*posguard.Notice, error) {
	t := nanos(at.UTC())
	rows, err := s.read.QueryContext(ctx, `SELECT id, kind, title, body, merchants, bins, from_at, to_at, created_by, created_at
		FROM notices WHERE ? = 0 OR (from_at <= ? AND (to_at = 0 OR to_at > ?)) ORDER BY id DESC LIMIT ?`,
		t, t, t, sqlstore.ClampLimit(limit))
	if err != nil {
		return nil, dbError(err, "notices")
	}
	defer rows.Close()
	out := []*posguard.Notice{}
	for rows.Next() {
		var n posguard.Notice
		var m, b string
		var from, to, created int64
		if err := rows.Scan(&n.ID, &n.Kind, &n.Title, &n.Body, &m, &b, &from, &to, &n.CreatedBy, &created); err != nil {
			return nil, dbError(err, "notices")
		}
		_ = json.Unmarshal([]byte(m), &n.Merchants)
		_ = json.Unmarshal([]byte(b), &n.BINs)
		n.From, n.To, n.CreatedAt = fromNanos(from), fromNanos(to), fromNanos(created)
		out = append(out, &n)
	}
	return out, dbError(rows.Err(), "notices")
}

// WithdrawNotice ends notice id at `at` unless it ended earlier.
func (s *Store) WithdrawNotice(ctx context.Context, id int64, at time.Time) error {
	t := nanos(at.UTC())
	err := s.writeTx(ctx, "withdraw notice", func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE notices SET to_at = CASE WHEN to_at = 0 OR to_at > ? THEN ? ELSE to_at END WHERE id = ?`, t, t, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return posguard.Errorf(posguard.ENOTFOUND, "no notice %d", id)
		}
		return nil
	})
	if posguard.ErrorCode(err) == posguard.ENOTFOUND {
		return err
	}
	return dbError(err, "withdraw notice")
}

// AddTerminalEvent stores e and sets its ID.
func (s *Store) AddTerminalEvent(ctx context.Context, e *posguard.TerminalEvent) error {
	d, err := sqlstore.EventDetail(e.Detail)
	if err != nil {
		return err
	}
	if e.At.IsZero() {
		e.At = s.now()
	}
	err = s.writeTx(ctx, "add terminal event", func(ctx context.Context, tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO terminal_events (terminal_id, code, reason, detail, at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
			e.TerminalID, e.Code, e.Reason, d, nanos(e.At.UTC())).Scan(&e.ID)
	})
	return dbError(err, "add terminal event")
}

// TerminalEvents returns a terminal's events at or after since, newest first.
func (s *Store) TerminalEvents(ctx context.Context, tid string, since time.Time, limit int) ([]posguard.TerminalEvent, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT id, terminal_id, code, reason, detail, at FROM terminal_events
		WHERE terminal_id = ? AND at >= ? ORDER BY at DESC, id DESC LIMIT ?`, tid, nanos(since.UTC()), sqlstore.ClampLimit(limit))
	if err != nil {
		return nil, dbError(err, "terminal events")
	}
	defer rows.Close()
	out := []posguard.TerminalEvent{}
	for rows.Next() {
		var e posguard.TerminalEvent
		var d []byte
		var at int64
		if err := rows.Scan(&e.ID, &e.TerminalID, &e.Code, &e.Reason, &d, &at); err != nil {
			return nil, dbError(err, "terminal events")
		}
		if len(d) > 0 {
			_ = json.Unmarshal(d, &e.Detail)
		}
		e.At = fromNanos(at)
		out = append(out, e)
	}
	return out, dbError(rows.Err(), "terminal events")
}
