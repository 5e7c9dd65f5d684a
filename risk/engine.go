package risk

import (
	"fmt"
	"sync/atomic"
	"time"

	"github.com/posguard/posguard"
)

// Payment is what the rules look at: one card debit about to be forwarded.
type Payment struct {
	MerchantID string
	TerminalID string
	CardKey    string // the card's keyed hash (never the PAN)
	Card       string // masked 6+4, for the hit record
	Credit     bool   // a credit card
	Amount     posguard.Amount
	At         time.Time
	// PerTxnLimit is the merchant's per-transaction limit (0: none).
	PerTxnLimit posguard.Amount
	// ActiveSince is when the merchant became active (zero: unknown).
	ActiveSince time.Time
}

// ruleSet is one compiled version of the rules.
type ruleSet struct {
	version int
	rules   []*compiled
}

// Engine evaluates a version of the rules. It is safe for concurrent use;
// Load replaces the rules at once (new counters start empty).
type Engine struct {
	// Location is the local time zone of hours; default UTC+8.
	Location *time.Location
	set      atomic.Pointer[ruleSet]
}

// NewEngine returns an engine with no rules (every payment allowed).
func NewEngine() *Engine {
	e := &Engine{Location: posguard.ChinaStandardTime}
	e.set.Store(&ruleSet{})
	return e
}

// Load compiles and installs version of rules; EINVALID naming the rule
// and field when one is wrong (the rules in use stay).
func (e *Engine) Load(version int, rules []posguard.RiskRule) error {
	c, err := compile(rules)
	if err != nil {
		return err
	}
	e.set.Store(&ruleSet{version: version, rules: c})
	return nil
}

// Version returns the version of the rules in use (0: none loaded).
func (e *Engine) Version() int { return e.set.Load().version }

// Evaluate applies the rules to p. It returns nil when no rule hit (the
// usual case costs no allocation beyond the counters' own).
func (e *Engine) Evaluate(p *Payment) *posguard.RiskDecision {
	set := e.set.Load()
	if len(set.rules) == 0 {
		return nil
	}
	at := p.At.UnixNano()
	lt := p.At.In(e.Location)
	minute := lt.Hour()*60 + lt.Minute()
	var d *posguard.RiskDecision
	for _, r := range set.rules {
		if r.merchants != nil && !r.merchants[p.MerchantID] {
			continue
		}
		if p.Amount < r.MinAmount || (r.Round > 0 && p.Amount%r.Round != 0) || (r.hours && !r.inHours(minute)) {
			continue
		}
		// credit_share counts every card; the others honour card_kind.
		if r.CardKind != "" && r.Kind != posguard.RuleCreditShare && (r.CardKind == posguard.CardCredit) != p.Credit {
			continue
		}
		zh, en, hit := r.judge(p, at)
		if !hit {
			continue
		}
		if d == nil {
			d = &posguard.RiskDecision{Action: posguard.RiskAllow, Version: set.version}
		}
		if r.Action.Rank() > d.Action.Rank() {
			d.Action = r.Action
		}
		d.Hits = append(d.Hits, &posguard.RiskHit{At: p.At, Rule: r.Name, RuleVersion: set.version, Action: r.Action,
			MerchantID: p.MerchantID, TerminalID: p.TerminalID, Amount: p.Amount, Card: p.Card, Explain: posguard.Text{ZH: zh, EN: en}})
		d.Kinds = append(d.Kinds, r.Kind)
	}
	return d
}

// judge applies one rule whose filters p passed.
func (r *compiled) judge(p *Payment, at int64) (zh, en string, hit bool) {
	switch r.Kind {
	case posguard.RuleCardVelocity:
		if n, _ := r.counter.add(p.CardKey, at, p.Credit); n >= r.Count {
			return fmt.Sprintf("同一张卡%s内第%d笔消费（上限%d笔）", r.Window, n, r.Count-1),
				fmt.Sprintf("debit %d of one card within %s (at most %d allowed)", n, r.Window, r.Count-1), true
		}
	case posguard.RuleMerchantVelocity:
		if n, _ := r.counter.add(p.MerchantID, at, p.Credit); n >= r.Count {
			return fmt.Sprintf("商户%s内第%d笔消费（上限%d笔）", r.Window, n, r.Count-1),
				fmt.Sprintf("debit %d at the merchant within %s (at most %d allowed)", n, r.Window, r.Count-1), true
		}
	case posguard.RuleRoundAmount:
		if n, _ := r.counter.add(p.MerchantID, at, p.Credit); n >= r.Count {
			return fmt.Sprintf("商户%s内第%d笔%s元整数倍金额", r.Window, n, r.Round),
				fmt.Sprintf("round amount %d (multiple of %s yuan) at the merchant within %s", n, r.Round, r.Window), true
		}
	case posguard.RuleCardRepeat:
		if n, _ := r.counter.add(p.MerchantID+"|"+p.CardKey, at, p.Credit); n >= r.Count {
			return fmt.Sprintf("同一张卡在本商户%s内第%d笔%s", r.Window, n, r.filters(true)),
				fmt.Sprintf("debit %d of the same card at this merchant within %s%s", n, r.Window, r.filters(false)), true
		}
	case posguard.RuleCreditShare:
		n, credits := r.counter.add(p.MerchantID, at, p.Credit)
		if n >= r.Count && credits*100 >= r.Percent*n {
			return fmt.Sprintf("商户%s内%d笔消费中信用卡%d笔（≥%d%%）", r.Window, n, credits, r.Percent),
				fmt.Sprintf("%d of %d debits at the merchant within %s were on credit cards (≥ %d%%)", credits, n, r.Window, r.Percent), true
		}
	case posguard.RuleNight:
		return fmt.Sprintf("夜间（%s）消费%s元", r.Hours, p.Amount), fmt.Sprintf("debit of %s yuan at night (%s)", p.Amount, r.Hours), true
	case posguard.RuleUnderLimit:
		l := p.PerTxnLimit
		if l > 0 && p.Amount <= l && (l-p.Amount)*100 <= l*posguard.Amount(r.Percent) {
			return fmt.Sprintf("金额%s元接近单笔限额%s元（差距≤%d%%）", p.Amount, l, r.Percent),
				fmt.Sprintf("amount %s yuan just under the per-transaction limit of %s yuan (within %d%%)", p.Amount, l, r.Percent), true
		}
	case posguard.RuleNewMerchant:
		if !p.ActiveSince.IsZero() && p.At.Sub(p.ActiveSince) < time.Duration(r.Days)*24*time.Hour {
			return fmt.Sprintf("开通不满%d天的新商户消费%s元", r.Days, p.Amount),
				fmt.Sprintf("debit of %s yuan at a merchant active for less than %d days", p.Amount, r.Days), true
		}
	}
	return "", "", false
}

// filters describes a rule's filters for an explanation.
func (r *compiled) filters(zh bool) string {
	s := ""
	if zh {
		if r.Round > 0 {
			s += fmt.Sprintf("，金额为%s元整数倍", r.Round)
		}
		if r.hours {
			s += "，时段" + r.Hours
		}
		if r.CardKind == posguard.CardCredit {
			s += "，信用卡"
		}
		return s
	}
	if r.Round > 0 {
		s += fmt.Sprintf(", amounts multiples of %s yuan", r.Round)
	}
	if r.hours {
		s += ", in hours " + r.Hours
	}
	if r.CardKind == posguard.CardCredit {
		s += ", credit card"
	}
	return s
}
