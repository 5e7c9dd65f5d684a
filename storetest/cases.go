package storetest

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/posguard/posguard"
)

// CaseStores is what the case groups need from a store: cases, incidents,
// notices, terminal events and failure rollups.
type CaseStores interface {
	posguard.Store
	posguard.CaseStore
	posguard.IncidentStore
	posguard.AnalyticsStore
}

// runCases runs the checks of the case, incident and analytics stores; each
// store must implement CaseStores.
func runCases(t *testing.T, h *harness) {
	get := func(t *testing.T) CaseStores {
		s := h.store(t)
		cs, ok := s.(CaseStores)
		if !ok {
			t.Fatalf("%T does not implement the case, incident and analytics stores", s)
		}
		return cs
	}
	t.Run("Cases", func(t *testing.T) { testCases(t, get(t)) })
	t.Run("CaseSubject", func(t *testing.T) { testCaseSubject(t, get(t)) })
	t.Run("CaseUpdates", func(t *testing.T) { testCaseUpdates(t, get(t)) })
	t.Run("Incidents", func(t *testing.T) { testIncidents(t, get(t)) })
	t.Run("Notices", func(t *testing.T) { testNotices(t, get(t)) })
	t.Run("TerminalEvents", func(t *testing.T) { testTerminalEvents(t, get(t)) })
	t.Run("Rollups", func(t *testing.T) { testRollups(t, get(t)) })
	t.Run("PruneAnalytics", func(t *testing.T) { testPruneAnalytics(t, get(t)) })
}

func sampleCase(kind posguard.CaseKind, txnID int64, merchant string) *posguard.Case {
	return &posguard.Case{
		Kind: kind, Status: posguard.CaseOpen, Priority: posguard.P2, TxnID: txnID, TxnIDs: []int64{txnID},
		MerchantID: merchant, TerminalID: "T0000001", Amount: 12345, Currency: posguard.CurrencyCNY,
		Reason: posguard.ReasonReversalRetrying, Cause: "reversal not acknowledged", Title: "reversal failed",
		OpenedBy: "posguard", DueAt: time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC),
	}
}

func testCases(t *testing.T, s CaseStores) {
	ctx := context.Background()
	c := sampleCase(posguard.CaseReversalFailed, 7, "M1")
	created, err := s.OpenCase(ctx, c, []posguard.CaseEntry{{Kind: posguard.EntryCause, Author: "posguard", Text: "cause"}})
	must(t, err, "open")
	if !created || c.ID == 0 || c.CreatedAt.IsZero() {
		t.Fatalf("open: created %v id %d created_at %v", created, c.ID, c.CreatedAt)
	}
	// Idempotent per (kind, transaction).
	again := sampleCase(posguard.CaseReversalFailed, 7, "M1")
	again.Title = "another title"
	created, err = s.OpenCase(ctx, again, nil)
	must(t, err, "open again")
	if created || again.ID != c.ID || again.Title != "reversal failed" {
		t.Fatalf("open again: created %v id %d (want %d) title %q", created, again.ID, c.ID, again.Title)
	}
	// Another kind on the same transaction is another case; cases without a
	// transaction are never merged.
	other := sampleCase(posguard.CaseChargedButFailed, 7, "M1")
	_, err = s.OpenCase(ctx, other, nil)
	must(t, err, "open other kind")
	c1 := sampleCase(posguard.CaseMerchantComplaint, 0, "M2")
	c2 := sampleCase(posguard.CaseMerchantComplaint, 0, "M2")
	c2.Priority = posguard.P4
	for _, x := range []*posguard.Case{c1, c2} {
		created, err := s.OpenCase(ctx, x, nil)
		must(t, err, "open complaint")
		if !created {
			t.Fatal("complaint without transaction was merged")
		}
	}
	if other.ID == c.ID || c1.ID == c2.ID {
		t.Fatal("distinct cases share an ID")
	}
	_, err = s.OpenCase(ctx, &posguard.Case{Kind: "bogus", Status: posguard.CaseOpen, Priority: posguard.P1}, nil)
	wantCode(t, err, posguard.EINVALID, "unknown kind")

	got, err := s.Case(ctx, c.ID)
	must(t, err, "get")
	if got.Kind != c.Kind || got.Amount != 12345 || !reflect.DeepEqual(got.TxnIDs, []int64{7}) || got.MerchantID != "M1" || got.Cause != c.Cause {
		t.Fatalf("get: %+v", got)
	}
	wantTime(t, got.DueAt, c.DueAt, "due")
	wantTime(t, got.ResolvedAt, time.Time{}, "resolved")
	_, err = s.Case(ctx, 9999)
	wantCode(t, err, posguard.ENOTFOUND, "get unknown")

	tests := []struct {
		name string
		f    posguard.CaseFilter
		want []int64
	}{
		{"all newest first", posguard.CaseFilter{}, []int64{c2.ID, c1.ID, other.ID, c.ID}},
		{"kind", posguard.CaseFilter{Kind: posguard.CaseMerchantComplaint}, []int64{c2.ID, c1.ID}},
		{"merchant", posguard.CaseFilter{MerchantID: "M1"}, []int64{other.ID, c.ID}},
		{"priority", posguard.CaseFilter{Priority: posguard.P4}, []int64{c2.ID}},
		{"status", posguard.CaseFilter{Status: posguard.CaseResolved}, nil},
		{"transaction", posguard.CaseFilter{TxnID: 7}, []int64{other.ID, c.ID}},
		{"cursor and limit", posguard.CaseFilter{After: c2.ID, Limit: 2}, []int64{c1.ID, other.ID}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			list, err := s.Cases(ctx, tt.f)
			must(t, err, "list")
			var ids []int64
			for _, x := range list {
				ids = append(ids, x.ID)
			}
			if !reflect.DeepEqual(ids, tt.want) {
				t.Fatalf("ids %v, want %v", ids, tt.want)
			}
		})
	}
	entries, err := s.CaseEntries(ctx, c.ID)
	must(t, err, "entries")
	if len(entries) != 1 || entries[0].Kind != posguard.EntryCause || entries[0].CaseID != c.ID {
		t.Fatalf("entries: %+v", entries)
	}
}

func testCaseUpdates(t *testing.T, s CaseStores) {
	ctx := context.Background()
	c := sampleCase(posguard.CaseMerchantComplaint, 11, "M1")
	_, err := s.OpenCase(ctx, c, nil)
	must(t, err, "open")
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	must(t, s.UpdateCase(ctx, posguard.CaseUpdate{ID: c.ID, FromStatus: posguard.CaseOpen, Status: posguard.CaseInvestigating,
		Assignee: "wang", Entry: &posguard.CaseEntry{Kind: posguard.EntryStatus, Author: "wang", Text: "taking it"}, At: at}), "investigate")
	err = s.UpdateCase(ctx, posguard.CaseUpdate{ID: c.ID, FromStatus: posguard.CaseOpen, Status: posguard.CaseResolved})
	wantCode(t, err, posguard.ECONFLICT, "stale from status")
	err = s.UpdateCase(ctx, posguard.CaseUpdate{ID: 9999, Status: posguard.CaseResolved})
	wantCode(t, err, posguard.ENOTFOUND, "unknown case")
	step := &posguard.CaseEntry{CaseID: c.ID, Kind: posguard.EntryStep, Author: "wang", Text: "called the issuer"}
	must(t, s.AddCaseEntry(ctx, step), "add step")
	if step.ID == 0 {
		t.Fatal("entry ID not set")
	}
	wantCode(t, s.AddCaseEntry(ctx, &posguard.CaseEntry{CaseID: 9999, Kind: posguard.EntryNote, Author: "x", Text: "y"}), posguard.ENOTFOUND, "entry on unknown case")
	wantCode(t, s.AddCaseEntry(ctx, &posguard.CaseEntry{CaseID: c.ID, Kind: "gossip", Author: "x", Text: "y"}), posguard.EINVALID, "unknown entry kind")
	resolvedAt := at.Add(time.Hour)
	must(t, s.UpdateCase(ctx, posguard.CaseUpdate{ID: c.ID, FromStatus: posguard.CaseInvestigating, Status: posguard.CaseResolved,
		Outcome: "refunded", Priority: posguard.P3,
		Entry: &posguard.CaseEntry{Kind: posguard.EntryOutcome, Author: "wang", Text: "refunded"}, At: resolvedAt}), "resolve")
	got, err := s.Case(ctx, c.ID)
	must(t, err, "get")
	if got.Status != posguard.CaseResolved || got.Assignee != "wang" || got.Outcome != "refunded" || got.Priority != posguard.P3 {
		t.Fatalf("after updates: %+v", got)
	}
	wantTime(t, got.ResolvedAt, resolvedAt, "resolved at")
	entries, err := s.CaseEntries(ctx, c.ID)
	must(t, err, "entries")
	var kinds []posguard.EntryKind
	for _, e := range entries {
		kinds = append(kinds, e.Kind)
	}
	want := []posguard.EntryKind{posguard.EntryStatus, posguard.EntryStep, posguard.EntryOutcome}
	if !reflect.DeepEqual(kinds, want) {
		t.Fatalf("timeline kinds %v, want %v", kinds, want)
	}
	wantTime(t, entries[0].At, at, "entry time")
}

func testIncidents(t *testing.T, s CaseStores) {
	ctx := context.Background()
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	i := &posguard.Incident{Kind: posguard.IncidentIssuerUnavailable, Dimension: "issuer_bin", Key: "622588",
		Cause: "issuer unavailable", Rate: 0.9, Baseline: 0.01, Volume: 40, Merchants: []string{"M1", "M2"}, OpenedAt: at}
	must(t, s.OpenIncident(ctx, i), "open")
	if i.ID == 0 || i.Status != posguard.IncidentOpen {
		t.Fatalf("open: %+v", i)
	}
	dup := *i
	dup.ID = 0
	wantCode(t, s.OpenIncident(ctx, &dup), posguard.ECONFLICT, "second open incident for the key")
	i.Status, i.ClosedAt, i.UpdatedAt = posguard.IncidentClosed, at.Add(5*time.Minute), at.Add(5*time.Minute)
	must(t, s.UpdateIncident(ctx, i), "close")
	again := &posguard.Incident{Kind: posguard.IncidentIssuerUnavailable, Dimension: "issuer_bin", Key: "622588", Cause: "again", OpenedAt: at.Add(time.Hour)}
	must(t, s.OpenIncident(ctx, again), "reopen after close")
	wantCode(t, s.UpdateIncident(ctx, &posguard.Incident{ID: 9999}), posguard.ENOTFOUND, "update unknown")

	open, err := s.Incidents(ctx, posguard.IncidentFilter{Status: posguard.IncidentOpen})
	must(t, err, "list open")
	if len(open) != 1 || open[0].ID != again.ID {
		t.Fatalf("open incidents: %+v", open)
	}
	all, err := s.Incidents(ctx, posguard.IncidentFilter{Kind: posguard.IncidentIssuerUnavailable})
	must(t, err, "list")
	if len(all) != 2 || all[1].ID != i.ID || !reflect.DeepEqual(all[1].Merchants, []string{"M1", "M2"}) || all[1].Rate != 0.9 {
		t.Fatalf("incidents: %+v", all)
	}
	wantTime(t, all[1].ClosedAt, at.Add(5*time.Minute), "closed at")
}

func testNotices(t *testing.T, s CaseStores) {
	ctx := context.Background()
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	past := &posguard.Notice{Kind: "maintenance", Title: "old", From: at.Add(-48 * time.Hour), To: at.Add(-24 * time.Hour)}
	now := &posguard.Notice{Kind: "issuer_outage", Title: "bank down", Body: "b", BINs: []string{"622588"}, Merchants: []string{"M1"}, From: at.Add(-time.Hour), CreatedBy: "ops"}
	must(t, s.PutNotice(ctx, past), "past")
	must(t, s.PutNotice(ctx, now), "now")
	list, err := s.Notices(ctx, at, 0)
	must(t, err, "in force")
	if len(list) != 1 || list[0].ID != now.ID || !reflect.DeepEqual(list[0].BINs, []string{"622588"}) || list[0].CreatedBy != "ops" {
		t.Fatalf("in force: %+v", list)
	}
	all, err := s.Notices(ctx, time.Time{}, 0)
	must(t, err, "all")
	if len(all) != 2 {
		t.Fatalf("all notices: %d", len(all))
	}
	// Withdrawn, the notice is no longer in force; one that ended earlier
	// keeps its end; an unknown one is ENOTFOUND.
	must(t, s.WithdrawNotice(ctx, now.ID, at.Add(-time.Minute)), "withdraw")
	if list, err := s.Notices(ctx, at, 0); err != nil || len(list) != 0 {
		t.Fatalf("in force after withdrawal: %+v %v", list, err)
	}
	must(t, s.WithdrawNotice(ctx, past.ID, at), "withdraw ended")
	all, err = s.Notices(ctx, time.Time{}, 0)
	must(t, err, "all")
	wantTime(t, all[0].To, at.Add(-time.Minute), "withdrawn at")
	wantTime(t, all[1].To, at.Add(-24*time.Hour), "earlier end kept")
	if err := s.WithdrawNotice(ctx, 999999, at); posguard.ErrorCode(err) != posguard.ENOTFOUND {
		t.Fatalf("withdraw unknown: %v", err)
	}
}

func testTerminalEvents(t *testing.T, s CaseStores) {
	ctx := context.Background()
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	for i, code := range []string{"A0", "77", "97"} {
		e := &posguard.TerminalEvent{TerminalID: "T0000001", Code: code, Reason: "r" + code, At: at.Add(time.Duration(i) * time.Minute)}
		if code == "77" {
			e.Detail = map[string]string{"batch": "000001", "host_batch": "000002"}
		}
		must(t, s.AddTerminalEvent(ctx, e), "add")
	}
	must(t, s.AddTerminalEvent(ctx, &posguard.TerminalEvent{TerminalID: "T0000002", Code: "A0", At: at}), "other terminal")
	list, err := s.TerminalEvents(ctx, "T0000001", at.Add(time.Minute), 0)
	must(t, err, "list")
	if len(list) != 2 || list[0].Code != "97" || list[1].Code != "77" || list[1].Detail["host_batch"] != "000002" {
		t.Fatalf("events: %+v", list)
	}
	wantTime(t, list[0].At, at.Add(2*time.Minute), "event time")
}

func testRollups(t *testing.T, s CaseStores) {
	ctx := context.Background()
	b := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	d := func(w posguard.Window, key string, at time.Time, total, failed int64) posguard.Rollup {
		return posguard.Rollup{Window: w, Dimension: posguard.DimIssuerBIN, Key: key, Bucket: at, Counts: posguard.Counts{Total: total, Failed: failed, Timeouts: failed, Unavailable: failed, Reversals: 1}}
	}
	must(t, s.AddRollups(ctx, []posguard.Rollup{
		d(posguard.WindowMinute, "622588", b.Add(10*time.Second), 3, 1),
		d(posguard.WindowMinute, "411111", b, 2, 0),
		d(posguard.WindowHour, "622588", b, 3, 1),
	}, map[string]time.Time{"T0000001": b}), "first")
	must(t, s.AddRollups(ctx, []posguard.Rollup{
		d(posguard.WindowMinute, "622588", b.Add(50*time.Second), 4, 4),
		d(posguard.WindowMinute, "622588", b.Add(time.Minute), 1, 0),
	}, map[string]time.Time{"T0000001": b.Add(-time.Hour), "T0000002": b.Add(time.Minute)}), "second")
	wantCode(t, s.AddRollups(ctx, []posguard.Rollup{{Window: "week", Dimension: posguard.DimCode}}, nil), posguard.EINVALID, "unknown window")

	got, err := s.Rollups(ctx, posguard.RollupQuery{Window: posguard.WindowMinute, Dimension: posguard.DimIssuerBIN, From: b, To: b.Add(time.Minute)})
	must(t, err, "query")
	if len(got) != 2 || got[0].Key != "411111" || got[1].Key != "622588" {
		t.Fatalf("rollups: %+v", got)
	}
	want := posguard.Counts{Total: 7, Failed: 5, Timeouts: 5, Unavailable: 5, Reversals: 2}
	if got[1].Counts != want {
		t.Fatalf("accumulated %+v, want %+v", got[1].Counts, want)
	}
	wantTime(t, got[1].Bucket, b, "bucket")
	one, err := s.Rollups(ctx, posguard.RollupQuery{Window: posguard.WindowMinute, Dimension: posguard.DimIssuerBIN, Key: "622588", From: b})
	must(t, err, "one key")
	if len(one) != 2 || one[1].Total != 1 {
		t.Fatalf("one key: %+v", one)
	}
	seen, err := s.TerminalSeen(ctx, "T0000001")
	must(t, err, "seen")
	wantTime(t, seen, b, "last seen keeps the latest")
	// One call with more rows than one statement writes, 30 buckets given
	// twice (summed), and more terminals than one statement writes.
	later := b.Add(2 * time.Hour)
	var many []posguard.Rollup
	terms := map[string]time.Time{}
	for i := range 130 {
		many = append(many, d(posguard.WindowHour, fmt.Sprintf("9%05d", i%100), later.Add(time.Duration(i)*time.Second), 1, int64(i/100)))
		terms[fmt.Sprintf("U%07d", i)] = later
	}
	must(t, s.AddRollups(ctx, many, terms), "many")
	hours, err := s.Rollups(ctx, posguard.RollupQuery{Window: posguard.WindowHour, Dimension: posguard.DimIssuerBIN, From: later})
	must(t, err, "many: query")
	if len(hours) != 100 || hours[0].Key != "900000" || hours[0].Total != 2 || hours[0].Failed != 1 || hours[0].Reversals != 2 || hours[99].Total != 1 {
		t.Fatalf("many: %d rows, first %+v", len(hours), hours[0])
	}
	seen, err = s.TerminalSeen(ctx, "U0000129")
	must(t, err, "many: seen")
	wantTime(t, seen, later, "many: last seen")
	never, err := s.TerminalSeen(ctx, "T0000009")
	must(t, err, "never seen")
	if !never.IsZero() {
		t.Fatalf("never seen: %v", never)
	}
}

// testCaseSubject: opening is idempotent per (kind, subject) when a subject
// is set; the second open returns the first case, whose entries are not
// added again; another subject is another case.
func testCaseSubject(t *testing.T, s CaseStores) {
	ctx := context.Background()
	b1 := sampleCase(posguard.CaseReconDiscrepancy, 0, "M3")
	b1.Subject = "batch-upload/T0000001/000042"
	created, err := s.OpenCase(ctx, b1, []posguard.CaseEntry{{Kind: posguard.EntryCause, Author: "posguard", Text: "upload differs"}})
	must(t, err, "open by subject")
	b2 := sampleCase(posguard.CaseReconDiscrepancy, 0, "M3")
	b2.Subject, b2.Title = b1.Subject, "again"
	again2, err := s.OpenCase(ctx, b2, []posguard.CaseEntry{{Kind: posguard.EntryCause, Author: "posguard", Text: "upload differs"}})
	must(t, err, "open by subject again")
	if !created || again2 || b2.ID != b1.ID || b2.Title != b1.Title || b2.Subject != b1.Subject {
		t.Fatalf("open by subject twice: created %v, %v; ids %d %d", created, again2, b1.ID, b2.ID)
	}
	if es, err := s.CaseEntries(ctx, b1.ID); err != nil || len(es) != 1 {
		t.Fatalf("entries of the case opened twice by subject: %d, %v", len(es), err)
	}
	b3 := sampleCase(posguard.CaseReconDiscrepancy, 0, "M3")
	b3.Subject = "batch-upload/T0000001/000043"
	if created, err := s.OpenCase(ctx, b3, nil); err != nil || !created || b3.ID == b1.ID {
		t.Fatalf("another subject: created %v, %v", created, err)
	}
}
