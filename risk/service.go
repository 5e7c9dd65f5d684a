package risk

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/casework"
	"github.com/posguard/posguard/onboarding"
)

// Service keeps the risk rules, judges payments with its Engine, records
// hits and freezes and unfreezes merchants. Set Store, History, Merchants
// and Engine; the other fields are optional.
type Service struct {
	Store     posguard.RiskStore
	History   posguard.ApplicationStore // merchants' history (frozen, unfrozen)
	Merchants posguard.MerchantStore
	Engine    *Engine
	// Cases opens a case when a rule freezes a merchant; nil opens none.
	Cases *casework.Service
	// Audit records every change; nil records none.
	Audit *onboarding.Auditor
	// Changed, if set, is told about a merchant whose status changed (the
	// switch forgets its cached copy).
	Changed func(merchantID string)
	// Settlement, if set, has a released review's items unheld at once.
	Settlement posguard.SettlementStore
	// Now is the clock of payments judged; nil is time.Now.
	Now func() time.Time
	// Logger receives internal errors; nil logs nowhere.
	Logger *slog.Logger

	mu      sync.RWMutex
	credit  map[string]bool   // BINs of credit cards
	reasons map[string]string // merchant → why it is frozen
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) log() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// SetCardKinds tells the service which BINs are credit cards (from the
// ledger's card kinds).
func (s *Service) SetCardKinds(kinds map[string]posguard.CardKind) {
	m := map[string]bool{}
	for bin, k := range kinds {
		if k == posguard.CardCredit {
			m[bin] = true
		}
	}
	s.mu.Lock()
	s.credit = m
	s.mu.Unlock()
}

// Start loads the newest rules into the engine; when none are stored,
// initial (e.g. DefaultRules) is stored as version 1 by "posguard".
func (s *Service) Start(ctx context.Context, initial []posguard.RiskRule) error {
	set, err := s.Store.RiskRules(ctx)
	if posguard.ErrorCode(err) == posguard.ENOTFOUND {
		if initial == nil {
			return nil
		}
		set = &posguard.RiskRuleSet{Rules: initial, CreatedBy: onboarding.System.Name}
		if err := Validate(initial); err != nil {
			return err
		}
		if err := s.Store.PutRiskRules(ctx, set); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	return s.Engine.Load(set.Version, set.Rules)
}

// Rules returns the rules in use (version 0 and none when none are stored).
func (s *Service) Rules(ctx context.Context) (*posguard.RiskRuleSet, error) {
	set, err := s.Store.RiskRules(ctx)
	if posguard.ErrorCode(err) == posguard.ENOTFOUND {
		return &posguard.RiskRuleSet{Rules: []posguard.RiskRule{}}, nil
	}
	return set, err
}

// PutRules validates rules, stores them as the next version and puts them
// in use at once. EINVALID naming the rule and field when one is wrong.
func (s *Service) PutRules(ctx context.Context, actor onboarding.Actor, rules []posguard.RiskRule) (*posguard.RiskRuleSet, error) {
	if err := Validate(rules); err != nil {
		return nil, err
	}
	before, _ := s.Rules(ctx)
	set := &posguard.RiskRuleSet{Rules: rules, CreatedBy: actor.Name}
	if err := s.Store.PutRiskRules(ctx, set); err != nil {
		return nil, err
	}
	if err := s.Engine.Load(set.Version, set.Rules); err != nil {
		return nil, err
	}
	s.Audit.Record(ctx, actor, "risk.rules", "risk/rules", "ok",
		map[string]any{"version": before.Version, "rules": before.Rules}, map[string]any{"version": set.Version, "rules": set.Rules})
	return set, nil
}

// Check judges a card sale about to be forwarded (the switch's risk gate);
// nil when no rule hit.
func (s *Service) Check(m *posguard.Merchant, t *posguard.Terminal, req *posguard.TerminalRequest, txn *posguard.Transaction) *posguard.RiskDecision {
	s.mu.RLock()
	credit := s.credit[req.PAN.BIN()]
	s.mu.RUnlock()
	p := Payment{MerchantID: m.ID, TerminalID: t.ID, CardKey: txn.PANHash, Card: txn.PANMasked, Credit: credit,
		Amount: req.Amount, At: s.now(), PerTxnLimit: m.Limits.PerTxn}
	if m.Status == posguard.MerchantActive {
		p.ActiveSince = m.StatusSince
	}
	if p.CardKey == "" {
		p.CardKey = p.Card
	}
	return s.Engine.Evaluate(&p)
}

// Record stores the hits of d for the journaled txn and takes the freeze
// action: the merchant is frozen, a case opened, both in its history and
// the audit log.
func (s *Service) Record(ctx context.Context, txn *posguard.Transaction, d *posguard.RiskDecision) {
	for _, h := range d.Hits {
		h.TxnID = txn.ID
	}
	if err := s.Store.AddRiskHits(ctx, d.Hits); err != nil {
		s.log().Error("record risk hits", "txn", txn.ID, "err", err)
	}
	for _, h := range d.Hits {
		riskHits.WithLabelValues(h.Rule, string(h.Action)).Inc()
	}
	if d.Action != posguard.RiskFreeze {
		return
	}
	var rule *posguard.RiskHit
	for _, h := range d.Hits {
		if h.Action == posguard.RiskFreeze {
			rule = h
			break
		}
	}
	reason := "风控规则“" + rule.Rule + "”：" + rule.Explain.ZH + " / risk rule \"" + rule.Rule + "\": " + rule.Explain.EN
	if s.Cases != nil {
		if c := s.Cases.OnRiskFreeze(ctx, txn, reason); c != nil {
			reason += " (case " + strconv.FormatInt(c.ID, 10) + ")"
		}
	}
	if _, err := s.Freeze(ctx, onboarding.System, txn.MerchantID, reason); err != nil && posguard.ErrorCode(err) != posguard.ECONFLICT {
		s.log().Error("risk freeze", "merchant", txn.MerchantID, "err", err)
	}
}

// Freeze freezes an active merchant with a reason: its terminals get 03
// naming the freeze. ECONFLICT when the merchant is not active.
func (s *Service) Freeze(ctx context.Context, actor onboarding.Actor, mid, reason string) (*posguard.Merchant, error) {
	return s.setStatus(ctx, actor, mid, reason, posguard.MerchantActive, posguard.MerchantFrozen, "frozen", "merchant.freeze")
}

// Unfreeze makes a frozen merchant active again. ECONFLICT when it is not
// frozen.
func (s *Service) Unfreeze(ctx context.Context, actor onboarding.Actor, mid, reason string) (*posguard.Merchant, error) {
	return s.setStatus(ctx, actor, mid, reason, posguard.MerchantFrozen, posguard.MerchantActive, "unfrozen", "merchant.unfreeze")
}

func (s *Service) setStatus(ctx context.Context, actor onboarding.Actor, mid, reason string, from, to posguard.MerchantStatus, event, action string) (*posguard.Merchant, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, posguard.Errorf(posguard.EINVALID, "reason: required")
	}
	// The status, the merchant's history event and the audit record commit
	// together (the audit record goes to the merchant store's database).
	m, err := s.Merchants.SetMerchantStatus(ctx, mid, from, to,
		&posguard.MerchantEvent{MerchantID: mid, Actor: actor.Name, Action: event, Reason: reason},
		s.Audit.For(actor, action, "merchants/"+mid, "ok", map[string]any{"status": from}, map[string]any{"status": to, "reason": reason})...)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if s.reasons == nil {
		s.reasons = map[string]string{}
	}
	if to == posguard.MerchantFrozen {
		s.reasons[mid] = reason
	} else {
		delete(s.reasons, mid)
	}
	s.mu.Unlock()
	if s.Changed != nil {
		s.Changed(mid)
	}
	return m, nil
}

// FreezeReason returns why merchant mid was frozen ("" when unknown).
func (s *Service) FreezeReason(mid string) string {
	s.mu.RLock()
	r, ok := s.reasons[mid]
	s.mu.RUnlock()
	if ok || s.History == nil {
		return r
	}
	ev, err := s.History.MerchantEvents(context.Background(), mid, 20)
	if err != nil {
		return ""
	}
	for _, e := range ev {
		if e.Action == "unfrozen" {
			break
		}
		if e.Action == "frozen" {
			r = e.Reason
			break
		}
	}
	s.mu.Lock()
	if s.reasons == nil {
		s.reasons = map[string]string{}
	}
	s.reasons[mid] = r
	s.mu.Unlock()
	return r
}

// Hits returns recorded hits.
func (s *Service) Hits(ctx context.Context, f posguard.RiskHitFilter) ([]*posguard.RiskHit, error) {
	return s.Store.RiskHits(ctx, f)
}

// Release releases a review hit's held item (settlement may pay it).
func (s *Service) Release(ctx context.Context, actor onboarding.Actor, id int64) (*posguard.RiskHit, error) {
	h, err := s.Store.ReleaseRiskHit(ctx, id, actor.Name)
	if err != nil {
		return nil, err
	}
	if s.Settlement != nil && h.TxnID != 0 {
		// Nothing may be held yet (the next settlement run would have held
		// it); the hit is released either way, so it never will be.
		if err := s.Settlement.ReleaseReview(ctx, h.TxnID); err != nil && posguard.ErrorCode(err) != posguard.ENOTFOUND {
			return nil, err
		}
	}
	s.Audit.Record(ctx, actor, "risk.release", "risk/hits/"+strconv.FormatInt(id, 10), "ok",
		map[string]any{"released": false}, map[string]any{"released": true, "txn_id": h.TxnID})
	return h, nil
}
