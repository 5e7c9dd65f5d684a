package sqlstore

import (
	"cmp"
	"context"
	"maps"
	"slices"
	"time"

	"github.com/posguard/posguard"
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
	// One multi-row upsert per chunk; a bucket given twice is summed first
	// (an upsert may not touch one row twice).
	type bucketKey struct {
		w      posguard.Window
		d      posguard.Dimension
		key    string
		bucket int64
	}
	merged := make(map[bucketKey]int, len(deltas))
	rows := make([]posguard.Rollup, 0, len(deltas))
	for _, d := range deltas {
		if d.Window.Duration() == 0 || !d.Dimension.Valid() {
			return posguard.Errorf(posguard.EINVALID, "rollup: unknown window %q or dimension %q", d.Window, d.Dimension)
		}
		d.Bucket = d.Window.Bucket(d.Bucket)
		k := bucketKey{d.Window, d.Dimension, d.Key, d.Bucket.UnixNano()}
		if i, ok := merged[k]; ok {
			rows[i].Counts.Add(d.Counts)
			continue
		}
		merged[k] = len(rows)
		rows = append(rows, d)
	}
	// Rows in one order (several instances flush into the same buckets:
	// upserts taking row locks in different orders would deadlock).
	slices.SortFunc(rows, func(a, b posguard.Rollup) int {
		return cmp.Or(cmp.Compare(a.Window, b.Window), cmp.Compare(a.Dimension, b.Dimension),
			a.Bucket.Compare(b.Bucket), cmp.Compare(a.Key, b.Key))
	})
	args := make([]any, 0, 9*len(rows))
	for _, d := range rows {
		args = append(args, string(d.Window), string(d.Dimension), d.Key, s.T(d.Bucket), d.Total, d.Failed, d.Timeouts, d.Unavailable, d.Reversals)
	}
	var seenArgs []any
	for _, tid := range slices.Sorted(maps.Keys(seen)) {
		seenArgs = append(seenArgs, tid, s.T(seen[tid].UTC()))
	}
	return s.DB.InTx(ctx, "add rollups", func(tx *Tx) error {
		if err := insertRows(ctx, tx, "add rollups", `INSERT INTO rollups (win, dim, key, bucket, total, failed, timeouts, unavailable, reversals) VALUES `,
			` ON CONFLICT (win, dim, bucket, key) DO UPDATE SET
				total = rollups.total + excluded.total, failed = rollups.failed + excluded.failed,
				timeouts = rollups.timeouts + excluded.timeouts, unavailable = rollups.unavailable + excluded.unavailable,
				reversals = rollups.reversals + excluded.reversals`, 9, 64, args); err != nil {
			return err
		}
		return insertRows(ctx, tx, "add rollups", `INSERT INTO terminal_activity (terminal_id, last_seen) VALUES `,
			` ON CONFLICT (terminal_id) DO UPDATE SET last_seen = `+s.DB.D.Greatest+`(terminal_activity.last_seen, excluded.last_seen)`, 2, 128, seenArgs)
	})
}

// Rollups returns the buckets matching q, by bucket then key.
func (s *Store) Rollups(ctx context.Context, q posguard.RollupQuery) ([]posguard.Rollup, error) {
	a := s.args()
	a.List = []any{string(q.Window), string(q.Dimension)}
	where := a.Eq("bucket >=", q.From, "bucket <", q.To, "key", q.Key)
	return queryAll(ctx, s.DB, "rollups", func(r Row) (posguard.Rollup, error) {
		ru := posguard.Rollup{Window: q.Window, Dimension: q.Dimension}
		err := r.Scan(&ru.Key, TimeCol(&ru.Bucket), &ru.Total, &ru.Failed, &ru.Timeouts, &ru.Unavailable, &ru.Reversals)
		return ru, err
	}, `SELECT key, bucket, total, failed, timeouts, unavailable, reversals FROM rollups WHERE win = ? AND dim = ?`+where+" ORDER BY bucket, key", a.List...)
}

// TerminalSeen returns when a terminal last sent a request (zero if never).
func (s *Store) TerminalSeen(ctx context.Context, tid string) (time.Time, error) {
	return queryOne(ctx, s.DB, "terminal seen", none, one[time.Time], `SELECT last_seen FROM terminal_activity WHERE terminal_id = ?`, tid)
}

// OpenIncident inserts i; ECONFLICT if an open incident of the same kind and
// key exists.
func (s *Store) OpenIncident(ctx context.Context, i *posguard.Incident) error {
	if i.Status == "" {
		i.Status = posguard.IncidentOpen
	}
	if i.OpenedAt.IsZero() {
		i.OpenedAt = s.NowUTC()
	}
	i.UpdatedAt = i.OpenedAt
	return incidentTable.add(ctx, s.DB, s, i, "")
}

// incidentTable is incidents, whose ID the database assigns.
var incidentTable = newTable("incidents", "id",
	`id, kind, status, dimension, key, cause, rate, baseline, volume, merchants, opened_at, updated_at, closed_at`,
	func(i *posguard.Incident) []any {
		return []any{&i.ID, &i.Kind, &i.Status, &i.Dimension, &i.Key, &i.Cause, &i.Rate, &i.Baseline, &i.Volume,
			asJSON(&i.Merchants, &noneList), &i.OpenedAt, &i.UpdatedAt, &i.ClosedAt}
	})

// noticeTable is notices, whose ID the database assigns.
var noticeTable = newTable("notices", "id", `id, kind, title, body, merchants, bins, from_at, to_at, created_by, created_at`,
	func(n *posguard.Notice) []any {
		return []any{&n.ID, &n.Kind, &n.Title, &n.Body, asJSON(&n.Merchants, &noneList), asJSON(&n.BINs, &noneList),
			&n.From, &n.To, &n.CreatedBy, &n.CreatedAt}
	})

// UpdateIncident stores i's figures, status and times.
func (s *Store) UpdateIncident(ctx context.Context, i *posguard.Incident) error {
	set, args := incidentTable.set(s, i, "id", "kind", "dimension", "key", "opened_at")
	n, err := s.DB.Exec(ctx, "update incident", `UPDATE incidents SET `+set+` WHERE id = ?`, append(args, i.ID)...)
	return changed(n, err, func() error { return posguard.Errorf(posguard.ENOTFOUND, "incident %d not found", i.ID) })
}

// Incidents returns incidents matching f, newest first.
func (s *Store) Incidents(ctx context.Context, f posguard.IncidentFilter) ([]*posguard.Incident, error) {
	a := &Args{}
	return incidentTable.page(ctx, s, "incidents", a, a.Eq("status", f.Status, "kind", f.Kind), "id DESC", f.Limit, 50, 1000)
}

// PutNotice inserts n and sets its ID and CreatedAt.
func (s *Store) PutNotice(ctx context.Context, n *posguard.Notice) error {
	n.CreatedAt = s.NowUTC()
	return noticeTable.add(ctx, s.DB, s, n, "")
}

// Notices returns the notices in force at `at` (zero: all), newest first.
func (s *Store) Notices(ctx context.Context, at time.Time, limit int) ([]*posguard.Notice, error) {
	q, args := "", []any{}
	if !at.IsZero() {
		q += ` WHERE (` + s.DB.D.TimeUnset("from_at") + ` OR from_at <= ?) AND (` + s.DB.D.TimeUnset("to_at") + ` OR to_at > ?)`
		args = append(args, s.T(at.UTC()), s.T(at.UTC()))
	}
	return noticeTable.list(ctx, s.DB, "notices", q+` ORDER BY id DESC LIMIT ?`, append(args, pageLimit(limit, 50, 1000))...)
}

// WithdrawNotice ends notice id at `at` unless it ended earlier;
// ENOTFOUND if there is no such notice.
func (s *Store) WithdrawNotice(ctx context.Context, id int64, at time.Time) error {
	t := s.T(at.UTC())
	n, err := s.DB.Exec(ctx, "withdraw notice", `UPDATE notices SET to_at = CASE WHEN `+s.DB.D.TimeUnset("to_at")+
		` OR to_at > ? THEN ? ELSE to_at END WHERE id = ?`, t, t, id)
	return changed(n, err, func() error { return posguard.Errorf(posguard.ENOTFOUND, "no notice %d", id) })
}

// AddTerminalEvent stores e and sets its ID.
func (s *Store) AddTerminalEvent(ctx context.Context, e *posguard.TerminalEvent) error {
	if e.At.IsZero() {
		e.At = s.NowUTC()
	}
	return terminalEventTable.add(ctx, s.DB, s, e, "")
}

// TerminalEvents returns a terminal's events at or after since, newest first.
func (s *Store) TerminalEvents(ctx context.Context, tid string, since time.Time, limit int) ([]posguard.TerminalEvent, error) {
	return queryAll(ctx, s.DB, "terminal events", terminalEventTable.val, `SELECT `+terminalEventTable.cols+` FROM terminal_events
		WHERE terminal_id = ? AND at >= ? ORDER BY at DESC, id DESC LIMIT ?`, tid, s.T(since.UTC()), pageLimit(limit, 50, 1000))
}

// terminalEventTable is terminal_events, whose ID the database assigns; no
// detail is stored as {}.
var terminalEventTable = newTable("terminal_events", "id", `id, terminal_id, code, reason, detail, at`,
	func(e *posguard.TerminalEvent) []any {
		return []any{&e.ID, &e.TerminalID, &e.Code, &e.Reason, asJSON(&e.Detail, &noneObject), &e.At}
	})

// Retention is how long analytics keeps each kind of row (docs/security.md):
// minute buckets two days, hour buckets 92 days, day buckets 800 days, and
// terminal events 92 days. Every series is of a known terminal, merchant or
// card prefix (or the one unknown bucket), so what is kept is bounded.
var Retention = map[posguard.Window]time.Duration{
	posguard.WindowMinute: 2 * 24 * time.Hour,
	posguard.WindowHour:   92 * 24 * time.Hour,
	posguard.WindowDay:    800 * 24 * time.Hour,
}

// EventRetention is how long terminal events are kept.
const EventRetention = 92 * 24 * time.Hour

// PruneAnalytics deletes the rollup buckets and terminal events older than
// their retention at now, and returns how many rows went.
func (s *Store) PruneAnalytics(ctx context.Context, now time.Time) (int64, error) {
	var total int64
	for _, w := range posguard.Windows {
		n, err := s.DB.Exec(ctx, "prune rollups", `DELETE FROM rollups WHERE win = ? AND bucket < ?`,
			string(w), s.T(now.Add(-Retention[w]).UTC()))
		if err != nil {
			return total, err
		}
		total += n
	}
	n, err := s.DB.Exec(ctx, "prune terminal events", `DELETE FROM terminal_events WHERE at < ?`, s.T(now.Add(-EventRetention).UTC()))
	return total + n, err
}
