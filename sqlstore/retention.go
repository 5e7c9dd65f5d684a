package sqlstore

import (
	"context"
	"time"

	"github.com/posguard/posguard"
)

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
