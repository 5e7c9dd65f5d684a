package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/casework"
	api "github.com/posguard/posguard/http"
	"github.com/posguard/posguard/onboarding"
	"github.com/posguard/posguard/risk"
	"github.com/posguard/posguard/seed"
	switching "github.com/posguard/posguard/switch"
)

// SettingSimIdentities holds the world file's identities (JSON, sealed):
// the people the simulated real-name verification service knows.
const SettingSimIdentities = "onboarding.sim_identities"

// storeOnboarding keeps the world's identities (for the simulated
// verification service) and blacklist.
func storeOnboarding(ctx context.Context, st hostStore, w *seed.World) error {
	if len(w.Identities) > 0 {
		b, err := json.Marshal(w.Identities)
		if err != nil {
			return err
		}
		if err := st.PutSetting(ctx, SettingSimIdentities, b, true); err != nil {
			return err
		}
	}
	ob := st.Onboarding()
	for _, e := range w.Blacklist {
		if err := ob.AddBlacklist(ctx, e.Value, e.Reason); err != nil {
			return fmt.Errorf("blacklist: %w", err)
		}
	}
	return nil
}

// simVerifier is the simulated verification service over the identities
// the seed stored (one knowing nobody when there are none).
func simVerifier(ctx context.Context, st hostStore) (*onboarding.SimVerifier, error) {
	var ids []posguard.Identity
	b, err := st.Setting(ctx, SettingSimIdentities)
	switch {
	case err == nil:
		if err := json.Unmarshal(b, &ids); err != nil {
			return nil, fmt.Errorf("%s: %w", SettingSimIdentities, err)
		}
	case posguard.ErrorCode(err) != posguard.ENOTFOUND:
		return nil, err
	}
	return onboarding.NewSimVerifier(ids), nil
}

// backoffice assembles onboarding and risk: the risk rules (the stored
// ones, or risk.DefaultRules on a new database) judge the switch's sales
// unless --risk off.
func (c *ServeCommand) backoffice(ctx context.Context, st hostStore, sw *switching.Switch, cases *casework.Service) (*api.Backoffice, error) {
	ob := st.Onboarding()
	audit := &onboarding.Auditor{Store: st.Access(), Logger: c.log}
	now := c.RiskNow
	if now == nil {
		now = time.Now
	}
	rs := &risk.Service{Store: ob, History: ob, Merchants: st, Engine: risk.NewEngine(), Cases: cases, Audit: audit,
		Changed: sw.ForgetMerchant, Settlement: st.Money(), Now: now, Logger: c.log}
	kinds, err := st.Money().CardKinds(ctx)
	if err != nil {
		return nil, err
	}
	rs.SetCardKinds(kinds)
	if err := rs.Start(ctx, risk.DefaultRules()); err != nil {
		return nil, fmt.Errorf("risk rules: %w", err)
	}
	switch c.Risk {
	case "on", "":
		sw.Risk = rs
	case "off":
	default:
		return nil, fmt.Errorf("--risk: want on or off, got %q", c.Risk)
	}
	v, err := simVerifier(ctx, st)
	if err != nil {
		return nil, err
	}
	onb := &onboarding.Service{Store: ob, Merchants: st, Terminals: st, Verifier: v, Audit: audit, Logger: c.log,
		Changed: func(mid, tid string) {
			sw.ForgetMerchant(mid)
			if tid != "" {
				sw.ForgetTerminal(tid)
			}
		}}
	return &api.Backoffice{Onboarding: onb, Risk: rs}, nil
}
