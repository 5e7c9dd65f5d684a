package settlement_test

import (
	"context"
	"testing"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/payout"
	"github.com/posguard/posguard/settlement"
)

// TestFrozenAccountFlow: a payout to a frozen account → held + case +
// merchant-visible reason → account fixed → re-settled → paid once.
func TestFrozenAccountFlow(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	sale := f.sale(stall, debit, "2026-03-01", 10000) // fee 0.38% = 38
	f.post()
	if _, err := f.settler.Settle(ctx, "2026-03-01"); err != nil {
		t.Fatal(err)
	}
	sum, err := f.runner.Run(ctx)
	if err != nil || sum.Failed != 1 {
		t.Fatalf("run: %+v %v", sum, err)
	}
	st, _ := settlement.StatusOf(ctx, f.m, sale.ID)
	if st.Where != settlement.WhereHeld || st.Reason != payout.ReasonAccountFrozen || st.CaseID != "CASE-1" {
		t.Fatalf("after the failure the merchant sees %+v", st)
	}
	if len(f.cases.cases) != 1 || f.cases.cases[0].Reason != payout.ReasonAccountFrozen || f.cases.cases[0].Fix == "" ||
		f.cases.cases[0].Amount != 9962 {
		t.Fatalf("cases %+v", f.cases.cases)
	}
	if p := f.positions()[stall]; p.Held != 9962 || p.Paid != 0 {
		t.Fatalf("position %+v", p)
	}
	// Re-settling before the account is fixed is refused.
	if _, err := f.runner.Resettle(ctx, st.PayoutID); posguard.ErrorCode(err) != posguard.EINVALID {
		t.Fatalf("resettle to a frozen account: %v", err)
	}
	// The bank releases the account; the operator updates and re-verifies it.
	f.bank.SetAccount(posguard.SettlementAccount{Number: "4300150160052000777", Name: "Wang", Status: "ok"})
	acct, err := f.runner.UpdateAccount(ctx, stall, posguard.SettlementAccount{Bank: "CCB", Number: "4300150160052000777", Name: "Wang"})
	if err != nil || acct.Status != "ok" {
		t.Fatalf("update account: %+v %v", acct, err)
	}
	np, err := f.runner.Resettle(ctx, st.PayoutID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.runner.Resettle(ctx, st.PayoutID); posguard.ErrorCode(err) != posguard.ECONFLICT {
		t.Fatalf("second resettle: %v", err)
	}
	if again, err := f.runner.ResettleBatch(ctx, np.BatchID); err != nil || len(again) != 0 {
		t.Fatalf("batch resettle after payout resettled: %v %v", again, err)
	}
	// The answer to the first submit is lost: the next run submits again and is not paid twice.
	f.bank.LoseAnswerNext(1)
	if sum, err := f.runner.Run(ctx); err != nil || sum.Pending != 1 {
		t.Fatalf("run with lost answer: %+v %v", sum, err)
	}
	if sum, err := f.runner.Run(ctx); err != nil || sum.Succeeded != 1 {
		t.Fatalf("run after lost answer: %+v %v", sum, err)
	}
	if n := f.bank.Credits(np.ID); n != 1 {
		t.Fatalf("re-settled payout credited %d times", n)
	}
	st, _ = settlement.StatusOf(ctx, f.m, sale.ID)
	if st.Where != settlement.WherePaid || st.PayoutID != np.ID {
		t.Fatalf("after re-settlement the merchant sees %+v", st)
	}
	if p := f.positions()[stall]; p.Held != 0 || p.Paid != 9962 || p.InFlight != 0 {
		t.Fatalf("position %+v", p)
	}
}

// TestCrashBetweenSubmitAndRecord: the bank paid but the host crashed
// before recording it; a new runner over the same store pays once.
func TestCrashBetweenSubmitAndRecord(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.sale(shop, debit, "2026-03-01", 10000)
	f.post()
	rep, err := f.settler.Settle(ctx, "2026-03-01")
	if err != nil {
		t.Fatal(err)
	}
	p, _ := f.m.Payout(ctx, rep.Batches[0].PayoutID)
	// The crash: marked submitted, the bank carried it out, nothing recorded.
	if err := f.m.MarkSubmitted(ctx, p.ID, f.now); err != nil {
		t.Fatal(err)
	}
	if _, err := f.bank.Submit(ctx, payout.Order{PayoutID: p.ID, Account: p.Account, Amount: p.Amount}); err != nil {
		t.Fatal(err)
	}
	restarted := &payout.Runner{Store: f.m, Merchants: f.st, Bank: f.bank, Cases: f.cases, Now: f.runner.Now}
	if sum, err := restarted.Run(ctx); err != nil || sum.Succeeded != 1 {
		t.Fatalf("run after restart: %+v %v", sum, err)
	}
	if sum, err := restarted.Run(ctx); err != nil || sum.Succeeded != 0 {
		t.Fatalf("second run: %+v %v", sum, err)
	}
	if n := f.bank.Credits(p.ID); n != 1 {
		t.Fatalf("credited %d times", n)
	}
	got, _ := f.m.Payout(ctx, p.ID)
	if got.State != posguard.PayoutSucceeded || got.Attempts != 2 {
		t.Fatalf("payout %+v", got)
	}
	// A later return (退汇) moves the money to held and opens a case.
	if err := f.bank.ReturnLater(p.ID, ""); err != nil {
		t.Fatal(err)
	}
	if sum, err := restarted.Run(ctx); err != nil || sum.Returned != 1 {
		t.Fatalf("returns: %+v %v", sum, err)
	}
	if pos := f.positions()[shop]; pos.Held != 9950 || pos.Paid != 0 {
		t.Fatalf("after return %+v", pos)
	}
	if len(f.cases.cases) != 1 || f.cases.cases[0].Reason != payout.ReasonBankReturn {
		t.Fatalf("cases %+v", f.cases.cases)
	}
}
