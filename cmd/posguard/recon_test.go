package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/recon"
	"github.com/posguard/posguard/recon/clearing"
	"github.com/posguard/posguard/simbank"
	"github.com/posguard/posguard/simnet"
)

// fetch GETs an admin URL of simnet and returns the body.
func fetch(t *testing.T, url string) []byte {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", url, res.StatusCode, b)
	}
	return b
}

// reconcile runs `posguard recon --json` on simnet's clearing file of date
// and returns the report.
// With fresh false it runs the file fetched last time again.
func (wd *world) reconcile(t *testing.T, date string, fresh bool) *recon.Report {
	t.Helper()
	file := filepath.Join(wd.dir, recon.ClearingName(date))
	if fresh {
		if err := os.WriteFile(file, fetch(t, "http://"+wd.admin+"/clearing?date="+date), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var out, errb bytes.Buffer
	if code := Main(context.Background(), []string{"recon", "--db", wd.db, "--date", date, "--clearing", file, "--json"}, &out, &errb); code != 0 {
		t.Fatalf("recon %s: exit %d: %s", date, code, errb.String())
	}
	var rep recon.Report
	dec := json.NewDecoder(&out)
	if err := dec.Decode(&rep); err != nil {
		t.Fatalf("recon --json: %v in %q", err, out.String())
	}
	if dec.More() {
		t.Fatalf("recon --json printed more than one object: %q", out.String())
	}
	return &rep
}

// injected lists, as "class rrn", the exceptions the clearing knobs put in
// simnet's file of date.
func (wd *world) injected(t *testing.T, date string) []string {
	var want []string
	var faults []simnet.ClearingFault
	if err := json.Unmarshal(fetch(t, "http://"+wd.admin+"/clearing/faults?date="+date), &faults); err != nil {
		t.Fatal(err)
	}
	by := map[string]map[string]bool{}
	for _, f := range faults {
		if by[f.RRN] == nil {
			by[f.RRN] = map[string]bool{}
		}
		by[f.RRN][f.Fault] = true
	}
	for rrn, fs := range by {
		switch {
		case fs[simnet.FaultClearingDrop]:
			if !fs[simnet.FaultClearingReversed] {
				want = append(want, "journal_only "+rrn)
			}
			continue
		case fs[simnet.FaultClearingReversed]:
			want = append(want, "network_only "+rrn)
		case fs[simnet.FaultClearingAmount]:
			want = append(want, "amount_mismatch "+rrn)
		}
		if fs[simnet.FaultClearingDup] {
			want = append(want, "duplicate "+rrn)
		}
	}
	return want
}

// settlementDates returns the distinct settlement dates of the journal.
func settlementDates(t *testing.T, st posguard.Journal) []string {
	list, err := st.List(context.Background(), posguard.TxnFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var out []string
	for _, tx := range list {
		if tx.SettlementDate != "" && !seen[tx.SettlementDate] {
			seen[tx.SettlementDate] = true
			out = append(out, tx.SettlementDate)
		}
	}
	sort.Strings(out)
	return out
}

// TestReconciliationFindsWhatWasInjected runs sales through simnet with
// timeouts and lost approvals (the reversal machinery cleans those up),
// then has simnet's clearing file drop, duplicate and change lines and
// write reversed sales anyway. `posguard recon` must report exactly those
// differences; once serve has sent the credit adjustments, the journal and
// simnet's money agree card by card, the ledger's suspense is back to zero
// and the holds are what the report says. Running the same file again
// changes nothing.
func TestReconciliationFindsWhatWasInjected(t *testing.T) {
	wd := startWorld(t, "timeout=0.15,drop_after_approve=0.15", 300*time.Millisecond)
	ctx := context.Background()
	term := dialRaw(t, wd.termAdr, stallTID, stallMID, stallTMK, "003", "cups-ecb")
	if c := term.signOn(); c != "00" {
		t.Fatalf("sign-on: %s", c)
	}
	for i := 0; i < 40; i++ {
		term.send(term.sale(good2Card, good2Exp, "123456", posguard.Amount(1000+i)), true)
	}
	wd.checkMoney(ctx) // the reversal queue is drained and the money agrees
	st := wd.serve.store

	body := `{"spec":"clearing_drop=0.15,clearing_dup=0.15,clearing_amount=0.15,clearing_reversed=1"}`
	res, err := http.Post("http://"+wd.admin+"/faults", "application/json", strings.NewReader(body))
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("set clearing faults: %v %v", err, res)
	}
	res.Body.Close()

	var want, got []string
	reports := map[string]*recon.Report{}
	for _, date := range settlementDates(t, st) {
		want = append(want, wd.injected(t, date)...)
		rep := wd.reconcile(t, date, true)
		reports[date] = rep
		jt := rep.Totals.Journal
		if rep.Totals.LedgerNet == nil || *rep.Totals.LedgerNet != jt.DebitAmount-jt.CreditAmount {
			t.Errorf("%s: ledger net %v, journal net %d", date, rep.Totals.LedgerNet, jt.DebitAmount-jt.CreditAmount)
		}
		for _, e := range rep.Exceptions {
			got = append(got, e.Class+" "+e.RRN)
			if e.Class == posguard.ReconNetworkOnly && (e.Action != posguard.ActionCreditCardholder || e.Status != posguard.ReconRepairPending) {
				t.Errorf("network_only %s: %s %s", e.RRN, e.Action, e.Status)
			}
		}
		if rep.Lines != rep.Matched+len(rep.Exceptions)-rep.Counts()[posguard.ReconJournalOnly] {
			t.Errorf("%s: lines %d != matched %d + line exceptions", date, rep.Lines, rep.Matched)
		}
	}
	sort.Strings(want)
	sort.Strings(got)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("reported:\n%s\ninjected:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(want) == 0 {
		t.Fatal("no clearing fault was injected: the test proves nothing")
	}

	// serve sends the credit adjustments; then the money agrees again.
	deadline := time.Now().Add(30 * time.Second)
	for {
		pending, err := recon.Pending(ctx, st)
		if err != nil {
			t.Fatal(err)
		}
		if len(pending) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d credit adjustments still unsent", len(pending))
		}
		time.Sleep(50 * time.Millisecond) // polling the adjuster's queue
	}
	wd.checkMoney(ctx)
	exs, err := st.(reconStorer).Recon().Exceptions(ctx, posguard.ReconFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var holds int64
	for _, e := range exs {
		holds += int64(e.HoldAmount)
		if (e.Class == posguard.ReconAmountMismatch || e.Class == posguard.ReconJournalOnly) && e.HoldAmount <= 0 {
			t.Errorf("%s without a hold", e.Ident)
		}
	}
	// The same files again: the stored runs, repairs now done, nothing new.
	for date, first := range reports {
		again := wd.reconcile(t, date, false)
		if again.RunID != first.RunID || len(again.Exceptions) != len(first.Exceptions) {
			t.Errorf("%s re-run: %s/%s, %d exceptions", date, again.RunID, first.RunID, len(again.Exceptions))
		}
		for _, e := range again.Exceptions {
			if e.Action == posguard.ActionCreditCardholder && e.Status != posguard.ReconRepaired {
				t.Errorf("%s %s: %s after the adjustment was approved", e.Class, e.RRN, e.Status)
			}
		}
	}
	if pending, _ := recon.Pending(ctx, st); len(pending) != 0 {
		t.Errorf("re-run queued %d credit adjustments", len(pending))
	}
	bal, err := st.Money().Balances(ctx, posguard.BalanceFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bal {
		if b.Account == posguard.Account(posguard.AccountSuspense) {
			t.Errorf("suspense %d after the credit adjustments, want 0", b.Amount)
		}
		if b.Account == posguard.MerchantAccount(posguard.AccountHeld, stallMID) && int64(-b.Amount) != holds {
			t.Errorf("held %d, want %d (amount mismatches and journal_only)", -b.Amount, holds)
		}
	}
	// The network's file cut now also clears the credit adjustments: they
	// match posguard's, and every exception found before stands as it was.
	for date := range reports {
		now := wd.reconcile(t, date, true)
		want, got := wd.injected(t, date), []string{}
		for _, e := range now.Exceptions {
			got = append(got, e.Class+" "+e.RRN)
		}
		sort.Strings(want)
		sort.Strings(got)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s with the adjustments cleared, reported:\n%s\ninjected:\n%s", date, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		for _, e := range now.Exceptions {
			if e.Action == posguard.ActionCreditCardholder && e.Status != posguard.ReconRepaired && !strings.HasPrefix(e.RRN, "9") {
				t.Errorf("%s %s: %s", e.Class, e.RRN, e.Status)
			}
		}
	}
	if pending, _ := recon.Pending(ctx, st); len(pending) != 0 {
		t.Errorf("a corrected file queued %d credit adjustments", len(pending))
	}
}

// TestBankReturnFoundHeldAndResettled: a payout the bank paid, then returned
// (退汇) without posguard hearing of it, is found by reconciling the bank's
// result file: the bank's status is applied, the money held with a case, and
// re-settling pays it again exactly once.
func TestBankReturnFoundHeldAndResettled(t *testing.T) {
	wd := startWorld(t, "", 5*time.Second, "--payout-every", "100ms")
	ctx := context.Background()
	st := wd.serve.store
	// The stall's account is usable (it is frozen in the demo world).
	wd.serve.Bank.SetAccount(posguard.SettlementAccount{Bank: "CCB", Number: stallAccount, Name: "王建国", Status: "ok"})
	m, err := st.Merchant(ctx, stallMID)
	if err != nil {
		t.Fatal(err)
	}
	m.Account = posguard.SettlementAccount{Bank: "CCB", Number: stallAccount, Name: "王建国", Status: "ok"}
	if err := st.PutMerchant(ctx, m); err != nil {
		t.Fatal(err)
	}
	term := dialRaw(t, wd.termAdr, stallTID, stallMID, stallTMK, "003", "cups-ecb")
	if c := term.signOn(); c != "00" {
		t.Fatalf("sign-on: %s", c)
	}
	code(t, "sale", term.send(term.sale(good2Card, good2Exp, "123456", 12000), true), "00")
	date := settlementDates(t, st)[0]
	var out, errb bytes.Buffer
	if c := settleAsClosed(ctx, wd.db, date, &out, &errb); c != 0 {
		t.Fatalf("settle: %d %s", c, errb.String())
	}
	var paid *posguard.Payout
	for deadline := time.Now().Add(20 * time.Second); paid == nil; {
		ps, err := st.Money().Payouts(ctx, posguard.PayoutFilter{MerchantID: stallMID, States: []posguard.PayoutState{posguard.PayoutSucceeded}})
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) == 1 {
			paid = ps[0]
		} else if time.Now().After(deadline) {
			t.Fatal("the payout was not paid within 20s")
		} else {
			time.Sleep(50 * time.Millisecond) // the payout loop runs on its own ticker
		}
	}

	// The bank's result file says the payout came back.
	lines := wd.serve.Bank.ResultFile([]*posguard.Payout{paid}, simbank.ResultKnobs{
		Status: map[string]string{paid.ID: "R"}, Reason: map[string]string{paid.ID: "户名不符，退汇"}}, time.Now())
	bankFile := filepath.Join(wd.dir, "DF_result.csv")
	var buf bytes.Buffer
	if err := clearing.WriteBankFile(&buf, lines); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(bankFile, buf.Bytes(), 0o644)
	clearingFile := filepath.Join(wd.dir, recon.ClearingName(date))
	os.WriteFile(clearingFile, fetch(t, "http://"+wd.admin+"/clearing?date="+date), 0o644)
	out.Reset()
	if c := Main(ctx, []string{"recon", "--db", wd.db, "--date", date, "--clearing", clearingFile, "--bank", bankFile, "--json"}, &out, &errb); c != 0 {
		t.Fatalf("recon: %d %s", c, errb.String())
	}
	var rep recon.Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Exceptions) != 1 || rep.Exceptions[0].Class != posguard.ReconPayoutStatusMismatch ||
		rep.Exceptions[0].Action != posguard.ActionApplyBankStatus || *rep.Exceptions[0].PayoutID != paid.ID ||
		*rep.BankLines != 1 || *rep.BankMatched != 0 || rep.Matched != 1 {
		t.Fatalf("report: %s", out.String())
	}
	p, err := st.Money().Payout(ctx, paid.ID)
	if err != nil || p.State != posguard.PayoutReturned || p.CaseID == "" {
		t.Fatalf("payout after the return: %+v %v", p, err)
	}
	heldOf := func() posguard.Amount {
		bs, err := st.Money().Balances(ctx, posguard.BalanceFilter{MerchantID: stallMID})
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range bs {
			if b.Account == posguard.MerchantAccount(posguard.AccountHeld, stallMID) {
				return -b.Amount
			}
		}
		return 0
	}
	if h := heldOf(); h != paid.Amount {
		t.Fatalf("held %d, want the payout's %d", h, paid.Amount)
	}

	// Re-settled once the account is right: paid again, once.
	req, _ := http.NewRequest("POST", "http://"+wd.httpAdr+"/v1/payouts/"+paid.ID+"/resettle", nil)
	req.Header.Set("Authorization", "Bearer "+wd.userToken("qian.fin", posguard.RoleFinance, ""))
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("resettle: %v %v", err, res)
	}
	res.Body.Close()
	for deadline := time.Now().Add(20 * time.Second); ; {
		p, err := st.Money().Payout(ctx, paid.ID+"-R")
		if err == nil && p.State == posguard.PayoutSucceeded {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("re-settled payout not paid: %+v %v", p, err)
		}
		time.Sleep(50 * time.Millisecond) // the payout loop runs on its own ticker
	}
	if n := wd.serve.Bank.Credits(paid.ID + "-R"); n != 1 || heldOf() != 0 {
		t.Fatalf("re-settled payout credited %d times, held %d", n, heldOf())
	}
	// The same files again change nothing.
	out.Reset()
	Main(ctx, []string{"recon", "--db", wd.db, "--date", date, "--clearing", clearingFile, "--bank", bankFile, "--json"}, &out, &errb)
	var again recon.Report
	json.Unmarshal(out.Bytes(), &again)
	if again.RunID != rep.RunID || heldOf() != 0 {
		t.Fatalf("re-run: %s vs %s, held %d", again.RunID, rep.RunID, heldOf())
	}
}
