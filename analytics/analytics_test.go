package analytics_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/analytics"
	"github.com/posguard/posguard/sqlite"
	"github.com/posguard/posguard/storetest"
)

// clock is a settable clock shared by the store, aggregator and detector.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type env struct {
	st  *sqlite.Store
	clk *clock
	agg *analytics.Aggregator
	det *analytics.Detector
	rep *analytics.Reports
	ts  map[string]*posguard.Terminal
}

func newEnv(t *testing.T) *env {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "p.db"), storetest.NewSealer())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clk := &clock{t: time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)}
	st.Now = clk.Now
	det := &analytics.Detector{Store: st, Now: clk.Now}
	e := &env{st: st, clk: clk, det: det, ts: map[string]*posguard.Terminal{},
		agg: &analytics.Aggregator{Store: st, Detector: det, Now: clk.Now},
		rep: &analytics.Reports{Store: st, Now: clk.Now, MinFirmware: map[string]string{"PAX S90": "3.2"}}}
	ctx := context.Background()
	for i, fw := range []string{"3.1.4", "3.2.0", "3.2.0", "3.2.0"} {
		tm := &posguard.Terminal{ID: fmt.Sprintf("T000000%d", i+1), MerchantID: fmt.Sprintf("M0000000000000%d", i+1),
			TMK: bytes.Repeat([]byte{0xA1}, 16), KeyScheme: posguard.KeyScheme003, MAC: posguard.MACX919,
			Model: "PAX S90", Firmware: fw, Status: posguard.TerminalActive}
		if err := st.PutTerminal(ctx, tm); err != nil {
			t.Fatal(err)
		}
		if err := st.SaveSignOn(ctx, tm.ID, posguard.WorkingKeys{PIK: bytes.Repeat([]byte{1}, 16), MAK: bytes.Repeat([]byte{2}, 16)}, "000001", clk.Now()); err != nil {
			t.Fatal(err)
		}
		tm, _ = st.Terminal(ctx, tm.ID)
		e.ts[tm.ID] = tm
	}
	return e
}

// answer feeds one synthetic answer: terminal tid, card BIN, code.
func (e *env) answer(tid, bin, code string, typ posguard.TxnType, txnID int64) {
	t := e.ts[tid]
	req := &posguard.TerminalRequest{Type: typ, TerminalID: tid, MerchantID: t.MerchantID, PAN: posguard.PAN(bin + "0012345678"), Batch: "000009"}
	reason := posguard.ReasonApproved
	switch code {
	case "98":
		reason = posguard.ReasonNetworkTimeout
	case "51":
		reason = posguard.IssuerReason("51")
	case "77":
		reason = posguard.ReasonBatchMismatch
	}
	e.agg.Answered(req, &posguard.TerminalResponse{Answer: posguard.Answer{Code: code}, Reason: reason, Terminal: t, TxnID: txnID}, 0)
}

// traffic feeds n answers per terminal per 10 s for d, with code chosen by f.
func (e *env) traffic(d time.Duration, f func(tid string, i int) (bin, code string)) {
	for step := time.Duration(0); step < d; step += 10 * time.Second {
		for _, tid := range []string{"T0000001", "T0000002", "T0000003", "T0000004"} {
			for i := 0; i < 2; i++ {
				bin, code := f(tid, i)
				e.answer(tid, bin, code, posguard.TxnSale, 1)
			}
		}
		e.clk.Add(10 * time.Second)
	}
}

func normal(_ string, i int) (string, string) {
	if i == 0 {
		return "622588", "00"
	}
	return "411111", "00"
}

func TestIssuerOutageOpensAndCloses(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.traffic(30*time.Minute, normal)
	if o, _, err := e.det.Check(ctx); err != nil || len(o) != 0 {
		t.Fatalf("quiet traffic opened %v (%v)", o, err)
	}
	// BIN 622588 stops answering: within a minute an incident names it.
	outage := func(tid string, i int) (string, string) {
		if i == 0 {
			return "622588", "98"
		}
		return "411111", "00"
	}
	var opened []*posguard.Incident
	for s := 0; s < 6 && len(opened) == 0; s++ {
		e.traffic(10*time.Second, outage)
		o, _, err := e.det.Check(ctx)
		if err != nil {
			t.Fatal(err)
		}
		opened = o
	}
	if len(opened) != 1 || opened[0].Kind != posguard.IncidentIssuerUnavailable || opened[0].Key != "622588" {
		t.Fatalf("opened %+v, want issuer_unavailable 622588", opened)
	}
	if len(opened[0].Merchants) != 4 || opened[0].Merchants[0] != "M00000000000001" {
		t.Fatalf("affected merchants %v", opened[0].Merchants)
	}
	mine, _, err := e.rep.MerchantNotices(ctx, "M00000000000002")
	if err != nil || len(mine) != 1 {
		t.Fatalf("merchant notices: %v %v", mine, err)
	}
	// Still failing: stays open, no duplicate.
	e.traffic(time.Minute, outage)
	if o, c, _ := e.det.Check(ctx); len(o) != 0 || len(c) != 0 {
		t.Fatalf("during outage opened %v closed %v", o, c)
	}
	// Recovery closes it.
	e.traffic(time.Minute, normal)
	_, closed, err := e.det.Check(ctx)
	if err != nil || len(closed) != 1 || closed[0].Key != "622588" {
		t.Fatalf("recovery closed %v (%v)", closed, err)
	}
	list, _ := e.st.Incidents(ctx, posguard.IncidentFilter{})
	if len(list) != 1 || list[0].Status != posguard.IncidentClosed || list[0].ClosedAt.IsZero() {
		t.Fatalf("stored incidents %+v", list)
	}
}

func TestTerminalNetworkAndFirmware(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.traffic(20*time.Minute, normal)
	// T0000003 keeps losing answers: it reverses most of its sales.
	for s := 0; s < 6; s++ {
		e.traffic(10*time.Second, normal)
		for i := 0; i < 2; i++ {
			e.answer("T0000003", "622588", "00", posguard.TxnReversal, 2)
		}
	}
	opened, _, err := e.det.Check(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(opened) != 1 || opened[0].Kind != posguard.IncidentTerminalNetwork || opened[0].Key != "T0000003" ||
		len(opened[0].Merchants) != 1 || opened[0].Merchants[0] != "M00000000000003" {
		t.Fatalf("opened %+v, want terminal_network T0000003", opened)
	}

	// Firmware 3.1.4 (T0000001 only) fails far more than 3.2.0.
	e2 := newEnv(t)
	e2.traffic(20*time.Minute, func(tid string, i int) (string, string) {
		if tid == "T0000001" {
			return "622588", "51"
		}
		return normal(tid, i)
	})
	opened, _, err = e2.det.Check(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var fw *posguard.Incident
	for _, i := range opened {
		if i.Kind == posguard.IncidentFirmware {
			fw = i
		}
	}
	if fw == nil || fw.Key != "PAX S90/3.1.4" {
		t.Fatalf("opened %+v, want a firmware incident for PAX S90/3.1.4", opened)
	}
}

func TestDetectionThresholds(t *testing.T) {
	tests := []struct {
		name         string
		base, fail   int // per 10 s over the baseline hour and the last minute: failures out of 4
		recentPer10s int
		want         bool
	}{
		{"jump from zero", 0, 4, 4, true},
		{"always bad is not an incident", 4, 4, 4, false},
		{"small rise", 0, 1, 4, false},
		{"too few requests", 0, 1, 1, false},
		{"doubling from high base", 1, 2, 4, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := sqlite.Open(filepath.Join(t.TempDir(), "p.db"), storetest.NewSealer())
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			clk := &clock{t: time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)}
			d := &analytics.Detector{Store: st, Now: clk.Now}
			keys := map[posguard.Dimension]string{posguard.DimIssuerBIN: "622588", posguard.DimMerchant: "M1"}
			feed := func(n, bad int) {
				for i := 0; i < n; i++ {
					c := posguard.Counts{Total: 1}
					if i < bad {
						c.Failed, c.Unavailable = 1, 1
					}
					d.Observe(keys, c, clk.Now())
				}
				clk.Add(10 * time.Second)
			}
			for s := 0; s < 360; s++ {
				feed(4, tt.base)
			}
			for s := 0; s < 6; s++ {
				feed(tt.recentPer10s, min(tt.fail, tt.recentPer10s))
			}
			opened, _, err := d.Check(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if got := len(opened) == 1; got != tt.want {
				t.Fatalf("opened %v, want %v", opened, tt.want)
			}
		})
	}
}

func TestRollupsEventsAndHealth(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for i := 0; i < 30; i++ {
		code := "00"
		if i%3 == 0 {
			code = "98"
		}
		e.answer("T0000001", "622588", code, posguard.TxnSale, int64(i+1))
	}
	e.answer("T0000001", "622588", "00", posguard.TxnReversal, 99)
	e.answer("T0000002", "411111", "51", posguard.TxnSale, 100)
	e.answer("T0000002", "411111", "77", posguard.TxnSale, 0) // batch mismatch: not journaled
	e.answer("T0000002", "", "00", posguard.TxnSignOn, 101)   // not counted in rates
	if err := e.agg.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	e.answer("T0000001", "622588", "00", posguard.TxnSale, 200)
	if err := e.agg.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	from, to := e.clk.Now().Add(-time.Hour), e.clk.Now().Add(time.Hour)
	tests := []struct {
		by    posguard.Dimension
		key   string
		total int64
		fail  int64
	}{
		{posguard.DimTerminal, "T0000001", 31, 10},
		{posguard.DimMerchant, "M00000000000002", 2, 2},
		{posguard.DimIssuerBIN, "622588", 31, 10},
		{posguard.DimFirmware, "PAX S90/3.1.4", 31, 10},
		{posguard.DimModel, "PAX S90", 33, 12},
		{posguard.DimCode, "98", 10, 10},
		{posguard.DimCategory, "success", 21, 0},
	}
	for _, tt := range tests {
		for _, w := range posguard.Windows {
			totals, _, err := e.rep.Failures(ctx, tt.by, w, tt.key, from, to)
			if err != nil {
				t.Fatal(err)
			}
			if len(totals) != 1 || totals[0].Total != tt.total || totals[0].Failed != tt.fail {
				t.Fatalf("%s %s %s: %+v, want total %d failed %d", tt.by, tt.key, w, totals, tt.total, tt.fail)
			}
		}
	}
	if _, _, err := e.rep.Failures(ctx, "colour", posguard.WindowHour, "", from, to); posguard.ErrorCode(err) != posguard.EINVALID {
		t.Fatalf("bad dimension: %v", err)
	}
	evs, _ := e.st.TerminalEvents(ctx, "T0000002", time.Time{}, 0)
	if len(evs) != 1 || evs[0].Code != "77" || evs[0].Detail["batch"] != "000009" || evs[0].Detail["host_batch"] != "000001" {
		t.Fatalf("terminal events %+v", evs)
	}

	h, err := e.rep.Health(ctx, "T0000001")
	if err != nil {
		t.Fatal(err)
	}
	if !h.FirmwareOld || h.Day.Total != 31 || h.Day.Reversals != 1 || !h.NeedsAttention || h.LastSeen.IsZero() {
		t.Fatalf("health %+v", h)
	}
	if _, err := e.rep.Health(ctx, "T0000099"); posguard.ErrorCode(err) != posguard.ENOTFOUND {
		t.Fatalf("unknown terminal: %v", err)
	}
	if err := e.st.SetSignedOff(ctx, "T0000003", e.clk.Now()); err != nil {
		t.Fatal(err)
	}
	att, err := e.rep.Attention(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, h := range att {
		ids[h.TerminalID] = true
	}
	// T0000001: old firmware and 32% errors; T0000003: signed off.
	if len(ids) != 2 || !ids["T0000001"] || !ids["T0000003"] {
		t.Fatalf("attention %v", ids)
	}
}

func TestCompareVersions(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"3.1.4", "3.2", -1}, {"3.10", "3.9", 1}, {"3.2", "3.2.0", 0}, {"3.2.1", "3.2", 1}, {"v2", "v1", 1},
	}
	for _, tt := range tests {
		if got := analytics.CompareVersions(tt.a, tt.b); got != tt.want {
			t.Errorf("CompareVersions(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

// TestIssuerOutageIsNotATerminalNetworkIncident: during an issuer outage
// the terminals reverse the sales they got no answer for; that is the
// issuer's incident only, no terminal_network one telling merchants to
// check their Wi-Fi.
func TestIssuerOutageIsNotATerminalNetworkIncident(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.traffic(20*time.Minute, normal)
	outage := func(tid string, i int) (string, string) {
		if i == 0 {
			return "622588", "98"
		}
		return "411111", "00"
	}
	var opened []*posguard.Incident
	for s := 0; s < 6; s++ {
		e.traffic(10*time.Second, outage)
		// T0000003's terminal gave up on each 622588 sale and reversed it.
		for i := 0; i < 2; i++ {
			e.answer("T0000003", "622588", "00", posguard.TxnReversal, 2)
		}
		o, _, err := e.det.Check(ctx)
		if err != nil {
			t.Fatal(err)
		}
		opened = append(opened, o...)
	}
	var kinds []posguard.IncidentKind
	for _, i := range opened {
		kinds = append(kinds, i.Kind)
	}
	if len(opened) != 1 || opened[0].Kind != posguard.IncidentIssuerUnavailable {
		t.Fatalf("opened %v, want only issuer_unavailable", kinds)
	}
}

// TestFrozenMerchantOpensNoFirmwareIncident: every request of a frozen (or
// closed) merchant's terminal is refused for the merchant; its firmware is
// not to blame.
func TestFrozenMerchantOpensNoFirmwareIncident(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	frozen := func(tid string, i int) (string, string) {
		if tid == "T0000001" { // the only terminal on firmware 3.1.4
			return "622588", "03"
		}
		return normal(tid, i)
	}
	for step := 0; step < 120; step++ {
		for _, tid := range []string{"T0000001", "T0000002", "T0000003", "T0000004"} {
			for i := 0; i < 2; i++ {
				bin, code := frozen(tid, i)
				tm := e.ts[tid]
				reason := posguard.ReasonApproved
				if code == "03" {
					reason = posguard.ReasonMerchantFrozen
				}
				req := &posguard.TerminalRequest{Type: posguard.TxnSale, TerminalID: tid, MerchantID: tm.MerchantID, PAN: posguard.PAN(bin + "0012345678"), Batch: "000009"}
				e.agg.Answered(req, &posguard.TerminalResponse{Answer: posguard.Answer{Code: code}, Reason: reason, Terminal: tm, TxnID: 1}, 0)
			}
		}
		e.clk.Add(10 * time.Second)
	}
	opened, _, err := e.det.Check(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range opened {
		if i.Kind == posguard.IncidentFirmware {
			t.Fatalf("firmware incident %s opened for a frozen merchant's terminal", i.Key)
		}
	}
}
