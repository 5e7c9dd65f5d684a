package risk

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/posguard/posguard"
)

// night is 01:00 in UTC+8.
var night = time.Date(2026, 3, 1, 17, 0, 0, 0, time.UTC)

func pay(card string, amount posguard.Amount, at time.Time, credit bool) *Payment {
	return &Payment{MerchantID: "M1", TerminalID: "T1", CardKey: card, Card: "622588******0019", Credit: credit, Amount: amount, At: at, PerTxnLimit: 5000000}
}

func TestRuleKinds(t *testing.T) {
	noon := night.Add(-12 * time.Hour)
	for _, tt := range []struct {
		name string
		rule posguard.RiskRule
		pays []*Payment
		hits []bool // after each payment
	}{
		{"card velocity", posguard.RiskRule{Kind: posguard.RuleCardVelocity, Window: "10m", Count: 3},
			[]*Payment{pay("c", 100, noon, false), pay("c", 100, noon.Add(time.Minute), false), pay("d", 100, noon.Add(2*time.Minute), false), pay("c", 100, noon.Add(3*time.Minute), false), pay("c", 100, noon.Add(20*time.Minute), false)},
			[]bool{false, false, false, true, false}},
		{"merchant velocity", posguard.RiskRule{Kind: posguard.RuleMerchantVelocity, Window: "1m", Count: 2},
			[]*Payment{pay("c", 100, noon, false), pay("d", 100, noon.Add(time.Second), false)},
			[]bool{false, true}},
		{"round amounts", posguard.RiskRule{Kind: posguard.RuleRoundAmount, Window: "1h", Count: 2, Round: 100000},
			[]*Payment{pay("c", 100000, noon, false), pay("d", 123456, noon, false), pay("e", 300000, noon, false)},
			[]bool{false, false, true}},
		{"night", posguard.RiskRule{Kind: posguard.RuleNight, Hours: "23:00-06:00", MinAmount: 1000},
			[]*Payment{pay("c", 5000, noon, false), pay("c", 500, night, false), pay("c", 5000, night, false)},
			[]bool{false, false, true}},
		{"credit share", posguard.RiskRule{Kind: posguard.RuleCreditShare, Window: "1h", Count: 3, Percent: 60},
			[]*Payment{pay("a", 1, noon, true), pay("b", 1, noon, false), pay("c", 1, noon, true), pay("d", 1, noon, false)},
			[]bool{false, false, true, false}},
		{"same card repeatedly", posguard.RiskRule{Kind: posguard.RuleCardRepeat, Window: "1h", Count: 2, CardKind: posguard.CardCredit},
			[]*Payment{pay("c", 1, noon, false), pay("c", 1, noon, true), pay("c", 1, noon, true)},
			[]bool{false, false, true}},
		{"just under the limit", posguard.RiskRule{Kind: posguard.RuleUnderLimit, Percent: 5},
			[]*Payment{pay("c", 4700000, noon, false), pay("c", 4800000, noon, false), pay("c", 5000000, noon, false)},
			[]bool{false, true, true}},
		{"new merchant", posguard.RiskRule{Kind: posguard.RuleNewMerchant, Days: 7},
			[]*Payment{func() *Payment {
				p := pay("c", 1, noon, false)
				p.ActiveSince = noon.Add(-8 * 24 * time.Hour)
				return p
			}(),
				func() *Payment { p := pay("c", 1, noon, false); p.ActiveSince = noon.Add(-time.Hour); return p }()},
			[]bool{false, true}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := NewEngine()
			tt.rule.Name, tt.rule.Action = "r", posguard.RiskDecline
			if err := e.Load(1, []posguard.RiskRule{tt.rule}); err != nil {
				t.Fatal(err)
			}
			for i, p := range tt.pays {
				d := e.Evaluate(p)
				if (d != nil) != tt.hits[i] {
					t.Fatalf("payment %d: hit %v, want %v", i, d != nil, tt.hits[i])
				}
				if d != nil && (d.Action != posguard.RiskDecline || d.Hits[0].Explain.ZH == "" || d.Hits[0].Explain.EN == "" || d.Hits[0].RuleVersion != 1) {
					t.Fatalf("decision %+v %+v", d, d.Hits[0])
				}
			}
		})
	}
}

func TestStrongestActionWins(t *testing.T) {
	e := NewEngine()
	if err := e.Load(3, []posguard.RiskRule{
		{Name: "a", Kind: posguard.RuleNight, Hours: "00:00-24:00", Action: posguard.RiskReview},
		{Name: "b", Kind: posguard.RuleUnderLimit, Percent: 50, Action: posguard.RiskFreeze},
		{Name: "c", Kind: posguard.RuleNight, Hours: "00:00-24:00", Action: posguard.RiskAllow, Disabled: true},
	}); err != nil {
		t.Fatal(err)
	}
	d := e.Evaluate(pay("c", 4000000, night, true))
	if d == nil || d.Action != posguard.RiskFreeze || len(d.Hits) != 2 || d.Version != 3 {
		t.Fatalf("decision %+v", d)
	}
}

func TestValidate(t *testing.T) {
	for _, tt := range []struct {
		rule posguard.RiskRule
		want string
	}{
		{posguard.RiskRule{Name: "x", Kind: "moon", Action: posguard.RiskAllow}, "kind"},
		{posguard.RiskRule{Name: "x", Kind: posguard.RuleNight, Action: "shout", Hours: "23:00-06:00"}, "action"},
		{posguard.RiskRule{Name: "x", Kind: posguard.RuleCardVelocity, Action: posguard.RiskAllow, Count: 3}, "window"},
		{posguard.RiskRule{Name: "x", Kind: posguard.RuleNight, Action: posguard.RiskAllow, Hours: "25:00-06:00"}, "hours"},
		{posguard.RiskRule{Name: "x", Kind: posguard.RuleRoundAmount, Action: posguard.RiskAllow, Window: "1h", Count: 2}, "round"},
		{posguard.RiskRule{Kind: posguard.RuleNight, Action: posguard.RiskAllow}, "name"},
	} {
		err := Validate([]posguard.RiskRule{tt.rule})
		if posguard.ErrorCode(err) != posguard.EINVALID || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: %v, want EINVALID naming %s", tt.rule, err, tt.want)
		}
	}
	if err := Validate(append(DefaultRules(), ExampleRules()[1:]...)); err != nil {
		t.Fatalf("default rules: %v", err)
	}
	if err := Validate([]posguard.RiskRule{{Name: "a", Kind: posguard.RuleNight, Hours: "1:00-2:00", Action: posguard.RiskAllow}, {Name: "a", Kind: posguard.RuleNight, Hours: "1:00-2:00", Action: posguard.RiskAllow}}); err == nil {
		t.Fatal("a name used twice passed")
	}
}

// BenchmarkEvaluate measures one evaluation of the example rules (one of
// each kind) over a
// population of 100,000 cards and 2,000 merchants, a hit now and then.
func BenchmarkEvaluate(b *testing.B) {
	e := NewEngine()
	if err := e.Load(1, ExampleRules()); err != nil {
		b.Fatal(err)
	}
	cards := make([]string, 100000)
	for i := range cards {
		cards[i] = fmt.Sprintf("card-%06d", i)
	}
	merchants := make([]string, 2000)
	for i := range merchants {
		merchants[i] = fmt.Sprintf("8983100599%05d", i)
	}
	t0 := night
	lat := make([]time.Duration, 1<<20)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p := Payment{MerchantID: merchants[i%len(merchants)], TerminalID: "T1", CardKey: cards[(i*7919)%len(cards)],
			Card: "622588******0019", Credit: i%3 == 0, Amount: posguard.Amount(1000 + i%500000), At: t0.Add(time.Duration(i) * time.Millisecond),
			PerTxnLimit: 5000000, ActiveSince: t0.Add(-30 * 24 * time.Hour)}
		start := time.Now()
		e.Evaluate(&p)
		if i < len(lat) {
			lat[i] = time.Since(start)
		}
	}
	b.StopTimer()
	n := min(b.N, len(lat))
	if n >= 100 {
		slices.Sort(lat[:n])
		b.ReportMetric(float64(lat[n*99/100].Nanoseconds()), "p99-ns")
	}
}
