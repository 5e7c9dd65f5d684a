package risk

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/posguard/posguard"
)

// compiled is a rule ready to evaluate.
type compiled struct {
	posguard.RiskRule
	window    time.Duration
	from, to  int // minutes after local midnight; from == to means no hours
	hours     bool
	merchants map[string]bool
	counter   *counter // nil for a rule judging one payment alone
}

// counting reports whether kind counts debits in a window.
func counting(kind string) bool {
	switch kind {
	case posguard.RuleCardVelocity, posguard.RuleMerchantVelocity, posguard.RuleRoundAmount,
		posguard.RuleCreditShare, posguard.RuleCardRepeat:
		return true
	}
	return false
}

// Validate checks a rule set: known kinds and actions, unique names, and
// each kind's parameters. The error names the rule and the field.
func Validate(rules []posguard.RiskRule) error {
	_, err := compile(rules)
	return err
}

// compile checks and prepares rules.
func compile(rules []posguard.RiskRule) ([]*compiled, error) {
	names := map[string]bool{}
	var out []*compiled
	for i, r := range rules {
		at := fmt.Sprintf("rules[%d]", i)
		if r.Name == "" {
			return nil, posguard.Errorf(posguard.EINVALID, "%s.name: required", at)
		}
		at = fmt.Sprintf("rules[%d] (%s)", i, r.Name)
		if names[r.Name] {
			return nil, posguard.Errorf(posguard.EINVALID, "%s.name: used twice", at)
		}
		names[r.Name] = true
		if r.Action.Rank() < 0 {
			return nil, posguard.Errorf(posguard.EINVALID, "%s.action: want allow, review, decline or freeze", at)
		}
		c := &compiled{RiskRule: r}
		if r.Window != "" {
			d, err := time.ParseDuration(r.Window)
			if err != nil || d <= 0 || d > 31*24*time.Hour {
				return nil, posguard.Errorf(posguard.EINVALID, "%s.window: want a duration up to 744h such as 10m or 24h", at)
			}
			c.window = d
		}
		if r.Hours != "" {
			f, t, ok := parseHours(r.Hours)
			if !ok {
				return nil, posguard.Errorf(posguard.EINVALID, "%s.hours: want HH:MM-HH:MM", at)
			}
			c.from, c.to, c.hours = f, t, true
		}
		if r.CardKind != "" && r.CardKind != posguard.CardCredit && r.CardKind != posguard.CardDebit {
			return nil, posguard.Errorf(posguard.EINVALID, "%s.card_kind: want credit or debit", at)
		}
		if r.MinAmount < 0 || r.Round < 0 || r.Count < 0 || r.Percent < 0 || r.Percent > 100 || r.Days < 0 {
			return nil, posguard.Errorf(posguard.EINVALID, "%s: amounts, count, days must not be negative and percent is 0–100", at)
		}
		if len(r.Merchants) > 0 {
			c.merchants = map[string]bool{}
			for _, m := range r.Merchants {
				c.merchants[m] = true
			}
		}
		switch r.Kind {
		case posguard.RuleCardVelocity, posguard.RuleMerchantVelocity, posguard.RuleCardRepeat, posguard.RuleRoundAmount, posguard.RuleCreditShare:
			if c.window == 0 || r.Count < 1 {
				return nil, posguard.Errorf(posguard.EINVALID, "%s: kind %s needs window and count", at, r.Kind)
			}
			if r.Kind == posguard.RuleRoundAmount && r.Round == 0 {
				return nil, posguard.Errorf(posguard.EINVALID, "%s.round: kind round_amount needs round (fen), e.g. 100000 for 1,000 yuan", at)
			}
			if r.Kind == posguard.RuleCreditShare && r.Percent == 0 {
				return nil, posguard.Errorf(posguard.EINVALID, "%s.percent: kind credit_share needs percent", at)
			}
			c.counter = newCounter(c.window)
		case posguard.RuleNight:
			if !c.hours {
				return nil, posguard.Errorf(posguard.EINVALID, "%s.hours: kind night needs hours, e.g. 23:00-06:00", at)
			}
		case posguard.RuleUnderLimit:
			if r.Percent == 0 {
				return nil, posguard.Errorf(posguard.EINVALID, "%s.percent: kind under_limit needs percent (how close under the limit)", at)
			}
		case posguard.RuleNewMerchant:
			if r.Days == 0 {
				return nil, posguard.Errorf(posguard.EINVALID, "%s.days: kind new_merchant needs days", at)
			}
		default:
			return nil, posguard.Errorf(posguard.EINVALID, "%s.kind: unknown kind %q", at, r.Kind)
		}
		if !r.Disabled {
			out = append(out, c)
		}
	}
	return out, nil
}

// parseHours parses "HH:MM-HH:MM" into minutes after midnight.
func parseHours(s string) (from, to int, ok bool) {
	a, b, found := strings.Cut(s, "-")
	if !found {
		return 0, 0, false
	}
	f, ok1 := minutes(a)
	t, ok2 := minutes(b)
	return f, t, ok1 && ok2 && f != t
}

func minutes(s string) (int, bool) {
	h, m, found := strings.Cut(strings.TrimSpace(s), ":")
	if !found {
		return 0, false
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || hh > 24 || mm < 0 || mm > 59 || (hh == 24 && mm != 0) {
		return 0, false
	}
	return hh*60 + mm, true
}

// inHours reports whether local minute-of-day m is in [from, to), across
// midnight when from > to.
func (c *compiled) inHours(m int) bool {
	if c.from < c.to {
		return m >= c.from && m < c.to
	}
	return m >= c.from || m < c.to
}

// DefaultRules are the rules a new database starts with: the cash-out
// pattern that freezes most merchants in practice (the same credit card
// paying round sums of 10,000 yuan at one merchant at night). They are
// kept few on purpose: a rule that hits ordinary traffic writes a hit per
// sale. ExampleRules has one rule of every kind to start from.
func DefaultRules() []posguard.RiskRule {
	return []posguard.RiskRule{
		{Name: "cashout-round-night-credit", Kind: posguard.RuleCardRepeat, Action: posguard.RiskFreeze,
			Window: "2h", Count: 3, Round: 1000000, Hours: "22:00-06:00", CardKind: posguard.CardCredit},
	}
}

// ExampleRules is one rule of every kind with the actions docs/risk.md
// suggests, for an acquirer to tune and PUT.
func ExampleRules() []posguard.RiskRule {
	return slices.Clone(exampleRules)
}

var exampleRules = []posguard.RiskRule{
	{Name: "cashout-round-night-credit", Kind: posguard.RuleCardRepeat, Action: posguard.RiskFreeze,
		Window: "2h", Count: 3, Round: 1000000, Hours: "22:00-06:00", CardKind: posguard.CardCredit},
	{Name: "card-velocity", Kind: posguard.RuleCardVelocity, Action: posguard.RiskDecline, Window: "10m", Count: 6},
	{Name: "merchant-velocity", Kind: posguard.RuleMerchantVelocity, Action: posguard.RiskReview, Window: "1m", Count: 120},
	{Name: "round-amounts", Kind: posguard.RuleRoundAmount, Action: posguard.RiskReview, Window: "1h", Count: 5, Round: 100000},
	{Name: "night-large", Kind: posguard.RuleNight, Action: posguard.RiskReview, Hours: "23:00-06:00", MinAmount: 2000000},
	{Name: "credit-share", Kind: posguard.RuleCreditShare, Action: posguard.RiskAllow, Window: "24h", Count: 20, Percent: 90},
	{Name: "same-card-repeat", Kind: posguard.RuleCardRepeat, Action: posguard.RiskReview, Window: "1h", Count: 4},
	{Name: "just-under-limit", Kind: posguard.RuleUnderLimit, Action: posguard.RiskReview, Percent: 5},
	{Name: "new-merchant-large", Kind: posguard.RuleNewMerchant, Action: posguard.RiskReview, Days: 7, MinAmount: 1000000},
}
