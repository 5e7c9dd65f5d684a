package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
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
	err := s.inTx(ctx, "add rollups", func(tx pgx.Tx) error {
		for _, d := range deltas {
			if d.Window.Duration() == 0 || !d.Dimension.Valid() {
				return posguard.Errorf(posguard.EINVALID, "rollup: unknown window %q or dimension %q", d.Window, d.Dimension)
			}
			_, err := tx.Exec(ctx, `INSERT INTO rollups (win, dim, key, bucket, total, failed, timeouts, unavailable, reversals)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
				ON CONFLICT (win, dim, bucket, key) DO UPDATE SET
					total = rollups.total + excluded.total, failed = rollups.failed + excluded.failed,
					timeouts = rollups.timeouts + excluded.timeouts, unavailable = rollups.unavailable + excluded.unavailable,
					reversals = rollups.reversals + excluded.reversals`,
				string(d.Window), string(d.Dimension), d.Key, d.Window.Bucket(d.Bucket),
				d.Total, d.Failed, d.Timeouts, d.Unavailable, d.Reversals)
			if err != nil {
				return err
			}
		}
		for tid, at := range seen {
			_, err := tx.Exec(ctx, `INSERT INTO terminal_activity (terminal_id, last_seen) VALUES ($1, $2)
				ON CONFLICT (terminal_id) DO UPDATE SET last_seen = greatest(terminal_activity.last_seen, excluded.last_seen)`, tid, at.UTC())
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
		WHERE win = $1 AND dim = $2 AND bucket >= $3 AND bucket < $4`
	to := q.To
	if to.IsZero() {
		to = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	args := []any{string(q.Window), string(q.Dimension), q.From.UTC(), to.UTC()}
	if q.Key != "" {
		sqlq += " AND key = $5"
		args = append(args, q.Key)
	}
	rows, err := s.pool.Query(ctx, sqlq+" ORDER BY bucket, key", args...)
	if err != nil {
		return nil, dbError(err, "rollups")
	}
	defer rows.Close()
	out := []posguard.Rollup{}
	for rows.Next() {
		r := posguard.Rollup{Window: q.Window, Dimension: q.Dimension}
		var b time.Time
		if err := rows.Scan(&r.Key, &b, &r.Total, &r.Failed, &r.Timeouts, &r.Unavailable, &r.Reversals); err != nil {
			return nil, dbError(err, "rollups")
		}
		r.Bucket = b.UTC()
		out = append(out, r)
	}
	return out, dbError(rows.Err(), "rollups")
}

// TerminalSeen returns when a terminal last sent a request (zero if never).
func (s *Store) TerminalSeen(ctx context.Context, tid string) (time.Time, error) {
	var n time.Time
	err := s.pool.QueryRow(ctx, `SELECT last_seen FROM terminal_activity WHERE terminal_id = $1`, tid).Scan(&n)
	if errors.Is(err, pgx.ErrNoRows) {
		return time.Time{}, nil
	}
	return n.UTC(), dbError(err, "terminal seen")
}

// OpenIncident inserts i; ECONFLICT if an open incident of the same kind and
// key exists.
func (s *Store) OpenIncident(ctx context.Context, i *posguard.Incident) error {
	m := sqlstore.StringList(i.Merchants)
	sqlstore.OpenIncidentDefaults(i, s.now())
	err := s.inTx(ctx, "open incident", func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO incidents (kind, status, dimension, key, cause, rate, baseline, volume,
			merchants, opened_at, updated_at, closed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
			string(i.Kind), string(i.Status), i.Dimension, i.Key, i.Cause, i.Rate, i.Baseline, i.Volume, m,
			i.OpenedAt.UTC(), i.UpdatedAt.UTC(), tsArg(i.ClosedAt)).Scan(&i.ID)
	})
	return dbError(err, "open incident")
}

// UpdateIncident stores i's figures, status and times.
func (s *Store) UpdateIncident(ctx context.Context, i *posguard.Incident) error {
	m := sqlstore.StringList(i.Merchants)
	err := s.inTx(ctx, "update incident", func(tx pgx.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE incidents SET status = $1, cause = $2, rate = $3, baseline = $4, volume = $5,
			merchants = $6, updated_at = $7, closed_at = $8 WHERE id = $9`,
			string(i.Status), i.Cause, i.Rate, i.Baseline, i.Volume, m, i.UpdatedAt.UTC(), tsArg(i.ClosedAt), i.ID)
		if err != nil {
			return err
		}
		if res.RowsAffected() == 0 {
			return sqlstore.IncidentNotFound(i.ID)
		}
		return nil
	})
	return dbError(err, "update incident")
}

// Incidents returns incidents matching f, newest first.
func (s *Store) Incidents(ctx context.Context, f posguard.IncidentFilter) ([]*posguard.Incident, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, kind, status, dimension, key, cause, rate, baseline, volume, merchants,
		opened_at, updated_at, closed_at FROM incidents
		WHERE ($1::text = '' OR status = $2) AND ($3::text = '' OR kind = $4) ORDER BY id DESC LIMIT $5`,
		string(f.Status), string(f.Status), string(f.Kind), string(f.Kind), sqlstore.ClampLimit(f.Limit))
	if err != nil {
		return nil, dbError(err, "incidents")
	}
	defer rows.Close()
	out := []*posguard.Incident{}
	for rows.Next() {
		var i posguard.Incident
		var kind, status, m string
		var opened, updated time.Time
		var closed *time.Time
		if err := rows.Scan(&i.ID, &kind, &status, &i.Dimension, &i.Key, &i.Cause, &i.Rate, &i.Baseline, &i.Volume, &m,
			&opened, &updated, &closed); err != nil {
			return nil, dbError(err, "incidents")
		}
		i.Kind, i.Status = posguard.IncidentKind(kind), posguard.IncidentStatus(status)
		_ = json.Unmarshal([]byte(m), &i.Merchants)
		i.OpenedAt, i.UpdatedAt, i.ClosedAt = opened.UTC(), updated.UTC(), fromTS(closed)
		out = append(out, &i)
	}
	return out, dbError(rows.Err(), "incidents")
}

// PutNotice inserts n and sets its ID and CreatedAt.
func (s *Store) PutNotice(ctx context.Context, n *posguard.Notice) error {
	m, b := sqlstore.StringList(n.Merchants), sqlstore.StringList(n.BINs)
	n.CreatedAt = s.now()
	err := s.inTx(ctx, "put notice", func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO notices (kind, title, body, merchants, bins, from_at, to_at, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
			n.Kind, n.Title, n.Body, m, b, tsArg(n.From), tsArg(n.To), n.CreatedBy, n.CreatedAt).Scan(&n.ID)
	})
	return dbError(err, "put notice")
}

// Notices returns the notices in force at `at` (zero: all), newest first.
func (s *Store) Notices(ctx context.Context, at time.Time, limit int) ([]*posguard.Notice, error) {
	t := tsArg(at)
	rows, err := s.pool.Query(ctx, `SELECT id, kind, title, body, merchants, bins, from_at, to_at, created_by, created_at
		FROM notices WHERE $1::timestamptz IS NULL OR ((from_at IS NULL OR from_at <= $2) AND (to_at IS NULL OR to_at > $3))
		ORDER BY id DESC LIMIT $4`,
		t, t, t, sqlstore.ClampLimit(limit))
	if err != nil {
		return nil, dbError(err, "notices")
	}
	defer rows.Close()
	out := []*posguard.Notice{}
	for rows.Next() {
		var n posguard.Notice
		var m, b string
		var from, to *time.Time
		var created time.Time
		if err := rows.Scan(&n.ID, &n.Kind, &n.Title, &n.Body, &m, &b, &from, &to, &n.CreatedBy, &created); err != nil {
			return nil, dbError(err, "notices")
		}
		_ = json.Unmarshal([]byte(m), &n.Merchants)
		_ = json.Unmarshal([]byte(b), &n.BINs)
		n.From, n.To, n.CreatedAt = fromTS(from), fromTS(to), created.UTC()
		out = append(out, &n)
	}
	return out, dbError(rows.Err(), "notices")
}

// WithdrawNotice ends notice id at `at` unless it ended earlier.
func (s *Store) WithdrawNotice(ctx context.Context, id int64, at time.Time) error {
	tag, err := s.pool.Exec(ctx, `UPDATE notices SET to_at = CASE WHEN to_at IS NULL OR to_at > $1 THEN $1 ELSE to_at END WHERE id = $2`,
		at.UTC(), id)
	if err != nil {
		return dbError(err, "withdraw notice")
	}
	if tag.RowsAffected() == 0 {
		return posguard.Errorf(posguard.ENOTFOUND, "no notice %d", id)
	}
	return nil
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
	err = s.inTx(ctx, "add terminal event", func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO terminal_events (terminal_id, code, reason, detail, at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			e.TerminalID, e.Code, e.Reason, d, e.At.UTC()).Scan(&e.ID)
	})
	return dbError(err, "add terminal event")
}

// TerminalEvents returns a terminal's events at or after since, newest first.
func (s *Store) TerminalEvents(ctx context.Context, tid string, since time.Time, limit int) ([]posguard.TerminalEvent, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, terminal_id, code, reason, detail, at FROM terminal_events
		WHERE terminal_id = $1 AND at >= $2 ORDER BY at DESC, id DESC LIMIT $3`, tid, since.UTC(), sqlstore.ClampLimit(limit))
	if err != nil {
		return nil, dbError(err, "terminal events")
	}
	defer rows.Close()
	out := []posguard.TerminalEvent{}
	for rows.Next() {
		var e posguard.TerminalEvent
		var d string
		var at time.Time
		if err := rows.Scan(&e.ID, &e.TerminalID, &e.Code, &e.Reason, &d, &at); err != nil {
			return nil, dbError(err, "terminal events")
		}
		if len(d) > 0 {
			_ = json.Unmarshal([]byte(d), &e.Detail)
		}
		e.At = at.UTC()
		out = append(out, e)
	}
	return out, dbError(rows.Err(), "terminal events")
}
