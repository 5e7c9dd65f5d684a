package sqlstore

import (
	"context"
	"encoding/json"

	"github.com/posguard/posguard"
)

// PutRiskRules implements posguard.RiskStore.
func (s *Store) PutRiskRules(ctx context.Context, set *posguard.RiskRuleSet) error {
	b, err := json.Marshal(set.Rules)
	if err != nil {
		return posguard.WrapError(posguard.EINVALID, err, "risk rules")
	}
	set.CreatedAt = s.NowUTC()
	return s.DB.InTx(ctx, "put risk rules", func(tx *Tx) error {
		if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) + 1 FROM risk_rule_versions`).Scan(&set.Version); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "put risk rules", `INSERT INTO risk_rule_versions (version, rules, created_by, created_at) VALUES (?, ?, ?, ?)`,
			set.Version, string(b), set.CreatedBy, s.T(set.CreatedAt))
		return err
	})
}

// RiskRules implements posguard.RiskStore.
func (s *Store) RiskRules(ctx context.Context) (*posguard.RiskRuleSet, error) {
	return queryOne(ctx, s.DB, "risk rules", func() error { return posguard.Errorf(posguard.ENOTFOUND, "no risk rules stored") },
		scanRuleSet, ruleSetsSQL, 1)
}

// RiskRuleVersions implements posguard.RiskStore.
func (s *Store) RiskRuleVersions(ctx context.Context) ([]*posguard.RiskRuleSet, error) {
	return queryAll(ctx, s.DB, "risk rules", scanRuleSet, ruleSetsSQL, 1000)
}

// ruleSetsSQL reads the newest rule sets, at most ?.
const ruleSetsSQL = `SELECT version, rules, created_by, created_at FROM risk_rule_versions ORDER BY version DESC LIMIT ?`

// scanRuleSet reads a row of ruleSetsSQL.
func scanRuleSet(r Row) (*posguard.RiskRuleSet, error) {
	var set posguard.RiskRuleSet
	var rules string
	if err := r.Scan(&set.Version, &rules, &set.CreatedBy, TimeCol(&set.CreatedAt)); err != nil {
		return nil, err
	}
	return &set, json.Unmarshal([]byte(rules), &set.Rules)
}

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
	return queryAll(ctx, s.DB, "reviews held", func(r Row) (id int64, err error) { err = r.Scan(&id); return id, err },
		`SELECT DISTINCT txn_id FROM risk_hits WHERE action = 'review' AND released = 0 AND txn_id <> 0 ORDER BY txn_id`)
}
