package switching_test

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/keys"
	"github.com/posguard/posguard/risk"
	"github.com/posguard/posguard/sqlite"
	switching "github.com/posguard/posguard/switch"
	"github.com/posguard/posguard/terminal"
)

// instantUpstream approves every request at once, in memory.
type instantUpstream struct{}

func (instantUpstream) Send(_ context.Context, req *posguard.UpstreamRequest) (*posguard.UpstreamResponse, error) {
	return approve(req)
}

// BenchmarkHandleTerminalSale measures a whole-switch sale (gates,
// idempotency lookup, journal insert and update on SQLite with
// synchronous=FULL, MAC check, upstream call) against an upstream that
// approves at once, from one terminal and from many.
func BenchmarkHandleTerminalSale(b *testing.B) {
	for _, terms := range []int{1, 64} {
		b.Run(fmt.Sprintf("terminals=%d", terms), func(b *testing.B) {
			benchSales(b, terms, false)
		})
	}
}

// BenchmarkSaleRisk measures the same sale with the risk rules off and on:
// on, every rule of risk.ExampleRules is evaluated with its thresholds out
// of reach, so each sale pays for a full evaluation and no hit.
func BenchmarkSaleRisk(b *testing.B) {
	for _, on := range []bool{false, true} {
		for _, terms := range []int{1, 64} {
			b.Run(fmt.Sprintf("rules=%v/terminals=%d", on, terms), func(b *testing.B) {
				benchSales(b, terms, on)
			})
		}
	}
}

// BenchmarkSaleCardLimits measures the same sale for a merchant without
// and with per-card and per-terminal limits (out of reach), on one
// instance and as one of several (Shared: the usage is read again from
// the journal every second, the default refresh; and, to show what an
// exact count by re-reading would cost, before every sale).
func BenchmarkSaleCardLimits(b *testing.B) {
	for _, v := range []struct{ shared, limits, every bool }{{false, false, false}, {false, true, false}, {true, false, false}, {true, true, false}, {true, true, true}} {
		shared, limits, every := v.shared, v.limits, v.every
		{
			name := fmt.Sprintf("shared=%v/card_limits=%v", shared, limits)
			if every {
				name += "/refresh=every_sale"
			}
			b.Run(name, func(b *testing.B) {
				defer reportCPU(b)()
				benchSales(b, 64, false, func(c *switching.Config, m *posguard.Merchant) {
					c.Shared = shared
					if shared && every {
						c.UsageRefresh = time.Nanosecond
					}
					if limits {
						m.Limits.CardDaily, m.Limits.CardDailyCount = 1<<50, 1<<30
						m.Limits.TerminalDaily, m.Limits.TerminalDailyCount = 1<<50, 1<<30
					}
				})
			})
		}
	}
}

// reportCPU reports the process's CPU time (user + system) per operation
// as cpu-ns/op when the returned function is called: on a loaded machine
// a steadier measure than the wall time.
func reportCPU(b *testing.B) func() {
	cpu := func() time.Duration {
		var ru syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	start := cpu()
	return func() { b.ReportMetric(float64(cpu()-start)/float64(b.N), "cpu-ns/op") }
}

// unreachable is risk.ExampleRules with every threshold out of reach.
func unreachable() []posguard.RiskRule {
	rules := risk.ExampleRules()
	for i := range rules {
		if rules[i].Count > 0 {
			rules[i].Count = 1 << 30
		}
	}
	return rules
}

// benchSales runs sales from terms terminals; each of tweak, if any,
// changes the switch's configuration and the merchant before the run.
func benchSales(b *testing.B, terms int, rules bool, tweak ...func(*switching.Config, *posguard.Merchant)) {
	hk, err := keys.ParseHostKey("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
	if err != nil {
		b.Fatal(err)
	}
	st, err := sqlite.Open(filepath.Join(b.TempDir(), "bench.db"), hk)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	m := &posguard.Merchant{ID: mid, Name: "bench", MCC: "5411", Status: posguard.MerchantActive, Kind: "enterprise"}
	cfg := switching.Config{AcquirerID: "48021000", ZonePINKey: mustHex("0123456789ABCDEF0123456789ABCDEF"), UpstreamTimeout: time.Second}
	for _, f := range tweak {
		f(&cfg, m)
	}
	if err := st.PutMerchant(ctx, m); err != nil {
		b.Fatal(err)
	}
	sw, err := switching.New(ctx, st, instantUpstream{}, hk, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	if rules {
		e := risk.NewEngine()
		if err := e.Load(1, unreachable()); err != nil {
			b.Fatal(err)
		}
		sw.Risk = &risk.Service{Engine: e}
	}
	type term struct {
		id, batch string
		mak       []byte
		stan      int
	}
	pool := make(chan *term, terms)
	for i := range terms {
		t := &term{id: fmt.Sprintf("2%07d", i)}
		if err := st.PutTerminal(ctx, &posguard.Terminal{ID: t.id, MerchantID: mid, TMK: tmk, KeyScheme: "003", MAC: posguard.MACCupsECB, Status: posguard.TerminalActive}); err != nil {
			b.Fatal(err)
		}
		r := sw.HandleTerminal(ctx, &posguard.TerminalRequest{MTI: "0800", Type: posguard.TxnSignOn, TerminalID: t.id, MerchantID: mid, STAN: "000001", NetMgmt: "003", ReceivedAt: time.Now()})
		if r.Code != "00" {
			b.Fatalf("sign-on: %s", r.Code)
		}
		wk, err := terminal.DecodeField62(tmk, "003", field62(b, r))
		if err != nil {
			b.Fatal(err)
		}
		t.mak, t.batch = wk.MAK, r.Batch
		pool <- t
	}
	b.ReportAllocs()
	b.SetParallelism((terms + 1) / 2)
	b.RunParallel(func(pb *testing.PB) {
		t := <-pool
		defer func() { pool <- t }()
		for pb.Next() {
			t.stan++
			stan := fmt.Sprintf("%06d", t.stan)
			data := []byte(t.id + stan)
			mac, err := keys.MAC(posguard.MACCupsECB, t.mak, data)
			if err != nil {
				b.Error(err)
				return
			}
			req := &posguard.TerminalRequest{MTI: "0200", Type: posguard.TxnSale, TerminalID: t.id, MerchantID: mid, STAN: stan,
				Batch: t.batch, ProcCode: "000000", Amount: 100, HasAmount: true, Currency: "156", PAN: pan, EntryMode: "022",
				CondCode: "00", Field60: "22" + t.batch + "000", ReceivedAt: time.Now(),
				ContentHash: "h" + t.id + stan, MACData: data, HasMAC: true, MAC: mac}
			if r := sw.HandleTerminal(ctx, req); r.Code != "00" {
				b.Errorf("sale: %s (%s)", r.Code, r.Reason)
				return
			}
		}
	})
}
