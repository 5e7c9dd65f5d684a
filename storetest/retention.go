package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/posguard/posguard"
)

// analyticsPruner is a store that deletes analytics past its retention.
type analyticsPruner interface {
	PruneAnalytics(ctx context.Context, now time.Time) (int64, error)
}

// testPruneAnalytics: rollup buckets and terminal events older than their
// retention go, the rest stays.
func testPruneAnalytics(t *testing.T, s CaseStores) {
	p, ok := s.(analyticsPruner)
	if !ok {
		t.Fatalf("%T cannot prune analytics", s)
	}
	ctx := context.Background()
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	r := func(w posguard.Window, at time.Time) posguard.Rollup {
		return posguard.Rollup{Window: w, Dimension: posguard.DimTerminal, Key: "T0000001", Bucket: at, Counts: posguard.Counts{Total: 1}}
	}
	must(t, s.AddRollups(ctx, []posguard.Rollup{
		r(posguard.WindowMinute, now.Add(-3*24*time.Hour)), // past two days
		r(posguard.WindowMinute, now.Add(-time.Hour)),
		r(posguard.WindowHour, now.Add(-3*24*time.Hour)), // hour buckets stay 92 days
	}, nil), "rollups")
	must(t, s.AddTerminalEvent(ctx, &posguard.TerminalEvent{TerminalID: "T0000001", Code: "A0", Reason: posguard.ReasonMACInvalid, At: now.Add(-100 * 24 * time.Hour)}), "old event")
	must(t, s.AddTerminalEvent(ctx, &posguard.TerminalEvent{TerminalID: "T0000001", Code: "A0", Reason: posguard.ReasonMACInvalid, At: now.Add(-time.Hour)}), "new event")
	n, err := p.PruneAnalytics(ctx, now)
	must(t, err, "prune")
	if n != 2 {
		t.Fatalf("pruned %d rows, want 2", n)
	}
	for w, want := range map[posguard.Window]int{posguard.WindowMinute: 1, posguard.WindowHour: 1} {
		got, err := s.Rollups(ctx, posguard.RollupQuery{Window: w, Dimension: posguard.DimTerminal, From: now.Add(-400 * 24 * time.Hour), To: now})
		must(t, err, "rollups")
		if len(got) != want {
			t.Fatalf("window %s: %d buckets left, want %d", w, len(got), want)
		}
	}
	evs, err := s.TerminalEvents(ctx, "T0000001", now.Add(-400*24*time.Hour), 10)
	must(t, err, "events")
	if len(evs) != 1 {
		t.Fatalf("%d events left, want 1", len(evs))
	}
}
