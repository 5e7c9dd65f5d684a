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
		var v int
		if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM risk_rule_versions`).Scan(&v); err != nil {
			return err
		}
		set.Version = v + 1
		_, err := tx.Exec(ctx, "exec", (`INSERT INTO risk_rule_versions (version, rules, created_by, created_at) VALUES (?, ?, ?, ?)`),
			set.Version, string(b), set.CreatedBy, obNanos(set.CreatedAt))
		return err
	})
}

// RiskRules implements posguard.RiskStore.
func (s *Store) RiskRules(ctx context.Context) (*posguard.RiskRuleSet, error) {
	sets, err := s.ruleSets(ctx, 1)
	if err != nil {
		return nil, err
	}
	if len(sets) == 0 {
		return nil, posguard.Errorf(posguard.ENOTFOUND, "no risk rules stored")
	}
	return sets[0], nil
}

// RiskRuleVersions implements posguard.RiskStore.
func (s *Store) RiskRuleVersions(ctx context.Context) ([]*posguard.RiskRuleSet, error) {
	return s.ruleSets(ctx, 1000)
}

func (s *Store) ruleSets(ctx context.Context, n int) ([]*posguard.RiskRuleSet, error) {
	rows, err := s.DB.Query(ctx, "query", (`SELECT version, rules, created_by, created_at FROM risk_rule_versions
		ORDER BY version DESC LIMIT ?`), n)
	if err != nil {
		return nil, s.DB.Err(err, "risk rules")
	}
	defer rows.Close()
	var out []*posguard.RiskRuleSet
	for rows.Next() {
		var set posguard.RiskRuleSet
		var rules string
		var at int64
		if err := rows.Scan(&set.Version, &rules, &set.CreatedBy, &at); err != nil {
			return nil, s.DB.Err(err, "scan risk rules")
		}
		if err := json.Unmarshal([]byte(rules), &set.Rules); err != nil {
			return nil, s.DB.Err(err, "decode risk rules")
		}
		set.CreatedAt = obTime(at)
		out = append(out, &set)
	}
	return out, s.DB.Err(rows.Err(), "risk rules")
}

// AddRiskHits implements posguard.RiskStore.
func (s *Store) AddRiskHits(ctx context.Context, hits []*posguard.RiskHit) error {
	return s.DB.InTx(ctx, "add risk hits", func(tx *Tx) error {
		for _, h := range hits {
			if h.At.IsZero() {
				h.At = s.NowUTC()
			}
			if err := tx.QueryRow(ctx, (`INSERT INTO risk_hits (at, rule, rule_version, action, merchant_id, terminal_id, txn_id,
				amount, card, explain_zh, explain_en) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
				obNanos(h.At), h.Rule, h.RuleVersion, string(h.Action), h.MerchantID, h.TerminalID, h.TxnID, int64(h.Amount),
				h.Card, h.Explain.ZH, h.Explain.EN).Scan(&h.ID); err != nil {
				return err
			}
		}
		return nil
	})
}

const hitColumns = `id, at, rule, rule_version, action, merchant_id, terminal_id, txn_id, amount, card, explain_zh, explain_en, released, released_by`

// RiskHits implements posguard.RiskStore.
func (s *Store) RiskHits(ctx context.Context, f posguard.RiskHitFilter) ([]*posguard.RiskHit, error) {
	to := int64(1<<63 - 1)
	if !f.To.IsZero() {
		to = f.To.UnixNano()
	}
	rows, err := s.DB.Query(ctx, "query", (`SELECT ` + hitColumns + ` FROM risk_hits
		WHERE (? = '' OR merchant_id = ?) AND (? = '' OR rule = ?) AND (? = 0 OR txn_id = ?) AND at >= ? AND at < ?
		ORDER BY id DESC LIMIT ?`), f.MerchantID, f.MerchantID, f.Rule, f.Rule, f.TxnID, f.TxnID, obNanos(f.From), to, obLimit(f.Limit))
	if err != nil {
		return nil, s.DB.Err(err, "risk hits")
	}
	defer rows.Close()
	var out []*posguard.RiskHit
	for rows.Next() {
		h, err := scanHit(rows)
		if err != nil {
			return nil, s.DB.Err(err, "scan risk hit")
		}
		out = append(out, h)
	}
	return out, s.DB.Err(rows.Err(), "risk hits")
}

func scanHit(r Row) (*posguard.RiskHit, error) {
	var h posguard.RiskHit
	var at, amount, released int64
	var action string
	if err := r.Scan(&h.ID, &at, &h.Rule, &h.RuleVersion, &action, &h.MerchantID, &h.TerminalID, &h.TxnID, &amount,
		&h.Card, &h.Explain.ZH, &h.Explain.EN, &released, &h.ReleasedBy); err != nil {
		return nil, err
	}
	h.At, h.Amount, h.Action, h.Released = obTime(at), posguard.Amount(amount), posguard.RiskAction(action), released != 0
	return &h, nil
}

// ReleaseRiskHit implements posguard.RiskStore.
func (s *Store) ReleaseRiskHit(ctx context.Context, id int64, user string) (*posguard.RiskHit, error) {
	var h *posguard.RiskHit
	err := s.DB.InTx(ctx, "release risk hit", func(tx *Tx) error {
		var err error
		h, err = scanHit(tx.QueryRow(ctx, (`SELECT ` + hitColumns + ` FROM risk_hits WHERE id = ?`), id))
		if err == ErrNoRows {
			return posguard.Errorf(posguard.ENOTFOUND, "no risk hit %d", id)
		} else if err != nil {
			return err
		}
		if h.Action != posguard.RiskReview || h.Released {
			return posguard.Errorf(posguard.ECONFLICT, "risk hit %d is not a review waiting for release", id)
		}
		h.Released, h.ReleasedBy = true, user
		_, err = tx.Exec(ctx, "exec", (`UPDATE risk_hits SET released = 1, released_by = ? WHERE id = ?`), user, id)
		return err
	})
	return h, err
}

// ReviewsHeld implements posguard.RiskStore.
func (s *Store) ReviewsHeld(ctx context.Context) ([]int64, error) {
	rows, err := s.DB.Query(ctx, "query", `SELECT DISTINCT txn_id FROM risk_hits
		WHERE action = 'review' AND released = 0 AND txn_id <> 0 ORDER BY txn_id`)
	if err != nil {
		return nil, s.DB.Err(err, "reviews held")
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, s.DB.Err(err, "scan review")
		}
		out = append(out, id)
	}
	return out, s.DB.Err(rows.Err(), "reviews held")
}
