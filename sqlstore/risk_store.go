package sqlstore

import (
	"context"
	"encoding/json"

	"github.com/posguard/posguard"
)

// PutRiskRules implements posguard.RiskStore.
func (s *Store) PutRiskRules(ctx context.Context, set *posguard.RiskRuleSet) error {
	if _, err := json.Marshal(set.Rules); err != nil {
		return posguard.WrapError(posguard.EINVALID, err, "risk rules")
	}
	set.CreatedAt = s.NowUTC()
	return s.DB.InTx(ctx, "put risk rules", func(tx *Tx) error {
		if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) + 1 FROM risk_rule_versions`).Scan(&set.Version); err != nil {
			return err
		}
		return ruleTable.add(ctx, tx, s, set, "")
	})
}

// RiskRules implements posguard.RiskStore.
func (s *Store) RiskRules(ctx context.Context) (*posguard.RiskRuleSet, error) {
	return ruleTable.get(ctx, s.DB, "risk rules", func() error { return posguard.Errorf(posguard.ENOTFOUND, "no risk rules stored") },
		` ORDER BY version DESC LIMIT 1`)
}

// RiskRuleVersions implements posguard.RiskStore.
func (s *Store) RiskRuleVersions(ctx context.Context) ([]*posguard.RiskRuleSet, error) {
	return ruleTable.list(ctx, s.DB, "risk rules", ` ORDER BY version DESC LIMIT 1000`)
}

// ruleTable is risk_rule_versions, keyed by version; the rules are JSON.
var ruleTable = newTable("risk_rule_versions", "", `version, rules, created_by, created_at`, func(r *posguard.RiskRuleSet) []any {
	return []any{&r.Version, asJSON(&r.Rules, nil), &r.CreatedBy, &r.CreatedAt}
})

// AddRiskHits implements posguard.RiskStore.
func (s *Store) AddRiskHits(ctx context.Context, hits []*posguard.RiskHit) error {
	return s.DB.InTx(ctx, "add risk hits", func(tx *Tx) error {
		for _, h := range hits {
			if h.At.IsZero() {
				h.At = s.NowUTC()
			}
			v := *h
			v.Released, v.ReleasedBy = false, ""
			if err := hitTable.add(ctx, tx, s, &v, ""); err != nil {
				return err
			}
			h.ID = v.ID
		}
		return nil
	})
}

// hitTable is risk_hits, whose ID the database assigns.
var hitTable = newTable("risk_hits", "id",
	`id, at, rule, rule_version, action, merchant_id, terminal_id, txn_id, amount, card, explain_zh, explain_en, released, released_by`,
	func(h *posguard.RiskHit) []any {
		return []any{&h.ID, &h.At, &h.Rule, &h.RuleVersion, &h.Action, &h.MerchantID, &h.TerminalID, &h.TxnID, &h.Amount,
			&h.Card, &h.Explain.ZH, &h.Explain.EN, asFlag(&h.Released), &h.ReleasedBy}
	})

// RiskHits implements posguard.RiskStore.
func (s *Store) RiskHits(ctx context.Context, f posguard.RiskHitFilter) ([]*posguard.RiskHit, error) {
	a := s.args()
	return hitTable.page(ctx, s, "risk hits", a, a.Eq("merchant_id", f.MerchantID, "rule", f.Rule, "txn_id", f.TxnID,
		"at >=", f.From, "at <", f.To), "id DESC", f.Limit, 100, 1000)
}

// ReleaseRiskHit implements posguard.RiskStore.
func (s *Store) ReleaseRiskHit(ctx context.Context, id int64, user string) (*posguard.RiskHit, error) {
	var h *posguard.RiskHit
	err := s.DB.InTx(ctx, "release risk hit", func(tx *Tx) error {
		var err error
		if h, err = hitTable.get(ctx, tx, "release risk hit", func() error { return posguard.Errorf(posguard.ENOTFOUND, "no risk hit %d", id) },
			` WHERE id = ?`, id); err != nil {
			return err
		}
		if h.Action != posguard.RiskReview || h.Released {
			return posguard.Errorf(posguard.ECONFLICT, "risk hit %d is not a review waiting for release", id)
		}
		h.Released, h.ReleasedBy = true, user
		_, err = tx.Exec(ctx, "release risk hit", `UPDATE risk_hits SET released = 1, released_by = ? WHERE id = ?`, user, id)
		return err
	})
	return h, err
}

// ReviewsHeld implements posguard.RiskStore.
func (s *Store) ReviewsHeld(ctx context.Context) ([]int64, error) {
	return queryAll(ctx, s.DB, "reviews held", one[int64],
		`SELECT DISTINCT txn_id FROM risk_hits WHERE action = 'review' AND released = 0 AND txn_id <> 0 ORDER BY txn_id`)
}
