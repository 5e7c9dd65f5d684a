package settlement_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/ledger"
	"github.com/posguard/posguard/payout"
	"github.com/posguard/posguard/settlement"
	"github.com/posguard/posguard/simbank"
	"github.com/posguard/posguard/sqlite"
	"github.com/posguard/posguard/storetest"
)

const (
	shop  = "898310048990001" // standard plan, account ok
	stall = "898310058120002" // small plan, account frozen
	debit = "622202"
	cred  = "625807"
)

var plans = []posguard.FeePlan{
	{Name: "standard", CreditRate: 6000, DebitRate: 5000, DebitCap: 2000, QRRate: 3800,
		D0: posguard.D0Rule{Enabled: true, MinAmount: 1100, Window: "00:00-23:00", Extra: 1000}},
	{Name: "small", CreditRate: 3800, DebitRate: 3800, DebitCap: 2000, QRRate: 3000},
}

// caseLog is a CaseOpener that remembers what it was asked.
type caseLog struct {
	mu    sync.Mutex
	cases []payout.CaseRequest
}

func (c *caseLog) OpenCase(ctx context.Context, r payout.CaseRequest) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cases = append(c.cases, r)
	return fmt.Sprintf("CASE-%d", len(c.cases)), nil
}

// fixtureStore is what the fixture uses of a store: SQLite's and
// PostgreSQL's both serve it.
type fixtureStore interface {
	posguard.Store
	Money() posguard.MoneyStore
	QR() posguard.QRStore
	Onboarding() posguard.OnboardingStore
}

// fixture is a real store (SQLite unless made with newFixtureOn) with two
// merchants, fee plans and card kinds, the poster, settler, simulated bank
// and payout runner.
type fixture struct {
	t       testing.TB
	st      fixtureStore
	m       posguard.MoneyStore
	poster  *ledger.Poster
	settler *settlement.Settler
	bank    *simbank.Bank
	runner  *payout.Runner
	cases   *caseLog
	stan    int
	now     time.Time
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	return newFixtureAt(t, filepath.Join(t.TempDir(), "posguard.db"))
}

// newFixtureAt is newFixture on the database file at path (which may hold
// a fixture already: merchants and plans are stored again, unchanged).
func newFixtureAt(t testing.TB, path string) *fixture {
	t.Helper()
	st, err := sqlite.Open(path, storetest.NewSealer())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return newFixtureOn(t, st)
}

// newFixtureOn is newFixture on the open store st.
func newFixtureOn(t testing.TB, st fixtureStore) *fixture {
	t.Helper()
	ctx := context.Background()
	ms := []*posguard.Merchant{
		{ID: shop, Name: "Shop", MCC: "5411", Status: posguard.MerchantActive, Kind: "enterprise", FeePlan: "standard",
			Account: posguard.SettlementAccount{Bank: "ICBC", Number: "1001020309000123456", Name: "Shop Ltd", Status: "ok"}},
		{ID: stall, Name: "Stall", MCC: "5812", Status: posguard.MerchantActive, Kind: "individual", FeePlan: "small",
			Account: posguard.SettlementAccount{Bank: "CCB", Number: "4300150160052000777", Name: "Wang", Status: "frozen"}},
	}
	for _, m := range ms {
		if err := st.PutMerchant(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	f := &fixture{t: t, st: st, m: st.Money(), cases: &caseLog{}, now: time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)}
	if err := settlement.LoadFeePlans(ctx, f.m, plans); err != nil {
		t.Fatal(err)
	}
	cards := []posguard.Card{{PAN: debit + "0000001234", Kind: posguard.CardDebit}, {PAN: cred + "0000005678", Kind: posguard.CardCredit}}
	if err := settlement.LoadCardKinds(ctx, f.m, cards); err != nil {
		t.Fatal(err)
	}
	fees := &settlement.FeeBook{Store: f.m, Merchants: st}
	clock := func() time.Time { return f.now }
	f.poster = &ledger.Poster{Store: f.m, Pricer: fees}
	f.settler = &settlement.Settler{Store: f.m, Merchants: st, Fees: fees, Now: clock}
	f.bank = simbank.New(ms)
	f.runner = &payout.Runner{Store: f.m, Merchants: st, Bank: f.bank, Cases: f.cases, Now: clock}
	return f
}

// journal inserts a transaction as the switch leaves it.
func (f *fixture) journal(typ posguard.TxnType, mid, bin, date string, amount posguard.Amount, orig int64) *posguard.Transaction {
	f.t.Helper()
	f.stan++
	mti := "0200"
	if typ == posguard.TxnRefund {
		mti = "0220"
	}
	tx := &posguard.Transaction{
		TxnKey: posguard.TxnKey{TerminalID: "10000001", Batch: "000001", STAN: fmt.Sprintf("%06d", f.stan), MTI: mti},
		Type:   typ, ContentHash: fmt.Sprintf("%064d", f.stan), MerchantID: mid, PANMasked: bin + "******1234",
		IssuerBIN: bin, CardOrg: "CUP", Amount: amount, Currency: posguard.CurrencyCNY, ProcCode: "000000",
		EntryMode: "051", SettlementDate: date, State: posguard.StateApproved, ResponseCode: "00",
		Reason: posguard.ReasonApproved, OrigID: orig,
	}
	if err := f.st.Insert(context.Background(), tx); err != nil {
		f.t.Fatal(err)
	}
	return tx
}

func (f *fixture) sale(mid, bin, date string, amount posguard.Amount) *posguard.Transaction {
	return f.journal(posguard.TxnSale, mid, bin, date, amount, 0)
}

// reverse marks an approved transaction reversed (terminal 0400 after approval).
func (f *fixture) reverse(tx *posguard.Transaction) {
	f.t.Helper()
	if err := f.st.Update(context.Background(), posguard.TxnUpdate{ID: tx.ID, State: posguard.StateReversed}); err != nil {
		f.t.Fatal(err)
	}
}

// post drains the journal into the ledger.
func (f *fixture) post() {
	f.t.Helper()
	if _, err := f.poster.Drain(context.Background()); err != nil {
		f.t.Fatal(err)
	}
}

// positions returns every merchant's position and checks the trial balance
// and the chain.
func (f *fixture) positions() map[string]ledger.Position {
	f.t.Helper()
	ctx := context.Background()
	ps, err := f.m.Postings(ctx, 0, 100000)
	if err != nil {
		f.t.Fatal(err)
	}
	var trial posguard.Amount
	for _, a := range ledger.Total(ps) {
		trial += a
	}
	if trial != 0 {
		f.t.Fatalf("trial balance %s, want 0", trial)
	}
	if _, err := ledger.Verify(ctx, f.m); err != nil {
		f.t.Fatal(err)
	}
	out := map[string]ledger.Position{}
	for _, p := range ledger.Positions(ps) {
		if !p.Balanced() {
			f.t.Fatalf("merchant %s: unsettled %s + in flight %s + held %s + paid %s != earned %s",
				p.MerchantID, p.Unsettled, p.InFlight, p.Held, p.Paid, p.Earned)
		}
		out[p.MerchantID] = p
	}
	return out
}
