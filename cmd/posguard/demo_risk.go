package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/diagnosis"
	"github.com/posguard/posguard/onboarding"
	"github.com/posguard/posguard/risk"
	"github.com/posguard/posguard/seed"
	"github.com/posguard/posguard/simterm"
)

// The demo's cash-out merchant and its terminal (seed/demo-world.yaml), and
// the card that pays round sums there.
const (
	demoCashoutMID  = "898310059990008"
	demoCashoutTID  = "10000013"
	demoCashoutCard = "6225880000000068"
	demoCashoutSum  = posguard.Amount(1000000) // 10,000 yuan
)

// demoActor is who the demo's own changes are recorded as.
var demoActor = onboarding.Actor{Name: "posguard-demo", Role: posguard.RoleAdmin}

// demoRiskRules are the default rules and, for the demo's cash-out
// merchant only and at any hour, the same pattern (so it trips by day too).
func demoRiskRules() []posguard.RiskRule {
	return append(risk.DefaultRules(), posguard.RiskRule{Name: "demo-cashout-round-credit", Kind: posguard.RuleCardRepeat,
		Action: posguard.RiskFreeze, Window: "2h", Count: 3, Round: demoCashoutSum, CardKind: posguard.CardCredit,
		Merchants: []string{demoCashoutMID}})
}

// demoBackoffice puts the demo's risk rules in use and leaves one
// application waiting for review; it says what it did on out.
func demoBackoffice(ctx context.Context, sv *ServeCommand, out io.Writer) error {
	bo := sv.bo
	if bo == nil {
		return nil
	}
	set, err := bo.Risk.PutRules(ctx, demoActor, demoRiskRules())
	if err != nil {
		return fmt.Errorf("demo risk rules: %w", err)
	}
	a := &posguard.Application{Kind: posguard.KindSmall, Name: "李记水果店", MCC: "5499", LicenseNo: "91310104MA1FL0002U", LegalName: "李芳",
		LegalIDNo: "310104199006072342", Phone: "13900139002", Address: "上海市徐汇区漕溪北路88号",
		Account: posguard.SettlementAccount{Bank: "BOC", Number: "6217000010002345678", Name: "李芳"}, FeePlan: "small"}
	maker := onboarding.Actor{Name: "posguard-demo", Role: posguard.RoleOperator}
	if err := bo.Onboarding.Create(ctx, maker, a); err != nil {
		return fmt.Errorf("demo application: %w", err)
	}
	png := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 64)...)
	for _, k := range onboarding.RequiredDocuments(a.Kind) {
		if _, err := bo.Onboarding.AddDocument(ctx, maker, a.ID, k, png); err != nil {
			return fmt.Errorf("demo document: %w", err)
		}
	}
	if a, err = bo.Onboarding.Submit(ctx, maker, a.ID); err != nil {
		return fmt.Errorf("demo submit: %w", err)
	}
	fmt.Fprintf(out, "  risk rules v%d in use (GET /v1/risk/rules); application %d (%s) is %s: a risk user approves it with POST /v1/applications/%d/approve\n",
		set.Version, a.ID, a.Name, a.State, a.ID)
	return nil
}

// demoCashout plays a cash-out pattern live at the demo's cash-out
// merchant after delay: one credit card pays round sums of 10,000 yuan
// until a risk rule declines (59) and freezes the merchant, whose next
// sale gets 03 naming the freeze.
func demoCashout(ctx context.Context, termAddr string, w *seed.World, delay time.Duration, out io.Writer) {
	t := w.Terminal(demoCashoutTID)
	card, ok := w.Card(demoCashoutCard)
	if t == nil || !ok {
		return
	}
	select {
	case <-ctx.Done():
		return
	case <-time.After(delay):
	}
	term, err := simterm.Dial(ctx, termAddr, simterm.ConfigFor(t))
	if err != nil {
		fmt.Fprintf(out, "cash-out demo: %v\n", err)
		return
	}
	defer term.Close()
	if err := term.SignOn(ctx); err != nil {
		fmt.Fprintf(out, "cash-out demo: sign-on: %v\n", err)
		return
	}
	fmt.Fprintf(out, "\ncash-out demo at %s (merchant %s): one credit card %s pays %s yuan again and again…\n", demoCashoutTID, demoCashoutMID, card.PAN, demoCashoutSum)
	for i := 1; i <= 4; i++ {
		r, err := term.Sale(ctx, simterm.CardOf(card), demoCashoutSum)
		if err != nil {
			fmt.Fprintf(out, "  sale %d: %v\n", i, err)
			return
		}
		meaning := codeMeaning(r.Code)
		switch r.Code {
		case "59":
			x := diagnosis.Explain(r.Code, posguard.ReasonRiskFrozen, nil)
			meaning = x.Summary.ZH + " / " + x.Summary.EN
		case "03":
			x := diagnosis.Explain(r.Code, posguard.ReasonMerchantFrozen, nil)
			meaning = x.Summary.ZH + " / " + x.Summary.EN
		}
		fmt.Fprintf(out, "  sale %d: %s %s\n", i, r.Code, meaning)
		if r.Code == "03" {
			break
		}
	}
	fmt.Fprintf(out, "  see why: GET /v1/merchants/%s/history · GET /v1/risk/hits?merchant=%s · GET /v1/cases?kind=risk_freeze\n\n", demoCashoutMID, demoCashoutMID)
}
