package posguard

import (
	"context"
	"time"
)

// RiskAction is what a risk rule does when it hits.
type RiskAction string

// Risk actions, weakest first. When several rules hit one payment the
// strongest action is taken; every hit is recorded.
const (
	RiskAllow   RiskAction = "allow"   // record the hit only
	RiskReview  RiskAction = "review"  // approve, but hold the item's settlement until a risk user releases it
	RiskDecline RiskAction = "decline" // decline at the host: field 39 "59"
	RiskFreeze  RiskAction = "freeze"  // decline "59" and freeze the merchant: its later payments get "03"
)

// Rank orders actions: allow 0 < review 1 < decline 2 < freeze 3; -1 for an
// unknown action.
func (a RiskAction) Rank() int {
	switch a {
	case RiskAllow:
		return 0
	case RiskReview:
		return 1
	case RiskDecline:
		return 2
	case RiskFreeze:
		return 3
	}
	return -1
}

// Risk rule kinds (docs/risk.md describes each with examples).
const (
	RuleCardVelocity     = "card_velocity"     // debits of one card (any merchant) in a window
	RuleMerchantVelocity = "merchant_velocity" // debits at one merchant in a window
	RuleRoundAmount      = "round_amount"      // round amounts at one merchant in a window
	RuleNight            = "night"             // a debit in the night hours
	RuleCreditShare      = "credit_share"      // the share of credit cards at one merchant in a window
	RuleCardRepeat       = "card_repeat"       // the same card at the same merchant in a window
	RuleUnderLimit       = "under_limit"       // amounts just under the merchant's per-transaction limit
	RuleNewMerchant      = "new_merchant"      // debits in a merchant's first days
)

// RiskRule is one rule, as data. The JSON form is the rule language of
// PUT /v1/risk/rules. Filters (MinAmount, Round, Hours, CardKind,
// Merchants) narrow which debits a rule looks at; the kind says what it
// counts or measures.
type RiskRule struct {
	Name     string     `json:"name"`
	Kind     string     `json:"kind"`
	Action   RiskAction `json:"action"`
	Disabled bool       `json:"disabled,omitempty"`
	// Window is how far back a counting rule looks ("10m", "24h").
	Window string `json:"window,omitempty"`
	// Count is the number of matching debits in the window, this one
	// included, at which a counting rule hits.
	Count int `json:"count,omitempty"`
	// Percent is the credit share (credit_share) or the distance below the
	// limit (under_limit) in percent.
	Percent int `json:"percent,omitempty"`
	// Days is a new merchant's age limit (new_merchant).
	Days int `json:"days,omitempty"`

	// MinAmount (fen): only debits of at least this amount.
	MinAmount Amount `json:"min_amount,omitempty"`
	// Round (fen): only amounts that are a multiple of this.
	Round Amount `json:"round,omitempty"`
	// Hours ("23:00-06:00", local time): only debits in these hours.
	Hours string `json:"hours,omitempty"`
	// CardKind ("credit" or "debit"): only debits with such a card.
	CardKind CardKind `json:"card_kind,omitempty"`
	// Merchants: only these merchants (all when empty).
	Merchants []string `json:"merchants,omitempty"`
}

// RiskRuleSet is one version of the rules.
type RiskRuleSet struct {
	Version   int
	Rules     []RiskRule
	CreatedBy string
	CreatedAt time.Time
}

// RiskHit is one rule hitting one payment.
type RiskHit struct {
	ID          int64
	At          time.Time
	Rule        string
	RuleVersion int
	Action      RiskAction // the rule's action
	MerchantID  string
	TerminalID  string
	TxnID       int64
	Amount      Amount
	Card        string // masked 6+4
	Explain     Text   // why it hit, zh and en
	Released    bool   // a review hit whose item a risk user released
	ReleasedBy  string
}

// RiskHitFilter selects hits; zero fields do not filter.
type RiskHitFilter struct {
	MerchantID string
	Rule       string
	TxnID      int64
	From, To   time.Time // To exclusive
	Limit      int
}

// RiskStore keeps the versions of the risk rules and the hits.
type RiskStore interface {
	// PutRiskRules stores set as the next version (setting Version and
	// CreatedAt); every version is kept.
	PutRiskRules(ctx context.Context, set *RiskRuleSet) error
	// RiskRules returns the newest version; ENOTFOUND when none was stored.
	RiskRules(ctx context.Context) (*RiskRuleSet, error)
	// RiskRuleVersions returns every version, newest first.
	RiskRuleVersions(ctx context.Context) ([]*RiskRuleSet, error)
	// AddRiskHits records hits, setting their IDs.
	AddRiskHits(ctx context.Context, hits []*RiskHit) error
	// RiskHits returns the hits matching f, newest first.
	RiskHits(ctx context.Context, f RiskHitFilter) ([]*RiskHit, error)
	// ReviewsHeld returns the transactions of review hits not released
	// yet (their settlement is held), oldest first.
	ReviewsHeld(ctx context.Context) ([]int64, error)
	// ReleaseRiskHit marks a review hit released by user; ENOTFOUND if
	// there is no such hit, ECONFLICT if it is not a review hit or already
	// released.
	ReleaseRiskHit(ctx context.Context, id int64, user string) (*RiskHit, error)
}

// RiskDecision is what the risk rules decided about one payment: the
// strongest action of the rules that hit, and each hit (not yet stored).
type RiskDecision struct {
	Action  RiskAction
	Version int
	Hits    []*RiskHit
	// Kinds holds the kind of each hit's rule, in the order of Hits.
	Kinds []string
}

// OnboardingStore is the store of onboarding and risk: applications,
// bindings, merchant history and the blacklist, and the risk rules and hits.
type OnboardingStore interface {
	ApplicationStore
	RiskStore
}
