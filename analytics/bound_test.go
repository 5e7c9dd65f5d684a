package analytics_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/analytics"
)

// Requests from terminal ids the host does not know, each with its own
// merchant and card prefix, make one series per dimension and one terminal
// event per window, not one per id.
func TestUnknownTerminalsShareOneBucket(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const n = 2000
	for i := 0; i < n; i++ {
		req := &posguard.TerminalRequest{Type: posguard.TxnSale, TerminalID: fmt.Sprintf("X%07d", i),
			MerchantID: fmt.Sprintf("M%014d", i), PAN: posguard.PAN(fmt.Sprintf("%06d0012345678", 100000+i)), STAN: "000001"}
		e.agg.Answered(req, &posguard.TerminalResponse{Answer: posguard.Answer{Code: "97"}, Reason: posguard.ReasonTerminalUnknown}, 0)
	}
	if err := e.agg.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	from, to := e.clk.Now().Add(-time.Hour), e.clk.Now().Add(time.Hour)
	for _, d := range []posguard.Dimension{posguard.DimTerminal, posguard.DimMerchant, posguard.DimIssuerBIN} {
		rs, err := e.st.Rollups(ctx, posguard.RollupQuery{Window: posguard.WindowMinute, Dimension: d, From: from, To: to})
		if err != nil {
			t.Fatal(err)
		}
		want := 1
		if d == posguard.DimIssuerBIN {
			want = 0
		}
		if len(rs) != want {
			t.Fatalf("dimension %s: %d series, want %d", d, len(rs), want)
		}
		if want == 1 && (rs[0].Key != analytics.UnknownKey || rs[0].Counts.Total != n || rs[0].Counts.Failed != n) {
			t.Fatalf("dimension %s: %+v", d, rs[0])
		}
	}
	evs, err := e.st.TerminalEvents(ctx, analytics.UnknownKey, from, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 {
		t.Fatalf("%d events for unknown terminals, want 1", len(evs))
	}
	// When the window ends the repeats are written as one event.
	e.clk.Add(analytics.EventWindow)
	if err := e.agg.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	evs, _ = e.st.TerminalEvents(ctx, analytics.UnknownKey, from, 100)
	if len(evs) != 2 || evs[0].Detail["repeated"] != fmt.Sprint(n-1) {
		t.Fatalf("events after the window: %+v", evs)
	}
}

// A known terminal sending bad MACs gets one event per window, with the
// count of the rest.
func TestRepeatedEventsAggregated(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tm := e.ts["T0000001"]
	for i := 0; i < 500; i++ {
		req := &posguard.TerminalRequest{Type: posguard.TxnSale, TerminalID: tm.ID, MerchantID: tm.MerchantID, STAN: "000001"}
		e.agg.Answered(req, &posguard.TerminalResponse{Answer: posguard.Answer{Code: "A0"}, Reason: posguard.ReasonMACInvalid, Terminal: tm}, 0)
	}
	e.clk.Add(analytics.EventWindow)
	if err := e.agg.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	evs, err := e.st.TerminalEvents(ctx, tm.ID, e.clk.Now().Add(-time.Hour), 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 || evs[0].Detail["repeated"] != "499" {
		t.Fatalf("events: %+v", evs)
	}
}
