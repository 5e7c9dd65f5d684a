package schedule_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/ledger"
	"github.com/posguard/posguard/payout"
	"github.com/posguard/posguard/schedule"
	"github.com/posguard/posguard/settlement"
	"github.com/posguard/posguard/simbank"
	"github.com/posguard/posguard/sqlite"
	"github.com/posguard/posguard/storetest"
)

const (
	shop  = "898310048990001" // plan with D0
	stall = "898310058120002" // plan without
	debit = "622202"
	day   = "2026-03-02"
)

// world is a real SQLite store with two merchants, the money side and a
// clock the test moves.
type world struct {
	t     *testing.T
	st    *sqlite.Store
	money *schedule.Money
	stan  int
	mu    sync.Mutex
	now   time.Time
}

func (w *world) clock() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.now
}

func (w *world) set(t time.Time) {
	w.mu.Lock()
	w.now = t
	w.mu.Unlock()
}

// local returns hh:mm of date d in UTC+8.
func local(d string, hh, mm int) time.Time {
	t, _ := time.ParseInLocation("2006-01-02", d, posguard.ChinaStandardTime)
	return t.Add(time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute)
}

func newWorld(t *testing.T) *world {
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "posguard.db"), storetest.NewSealer())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ctx := context.Background()
	ms := []*posguard.Merchant{
		{ID: shop, Name: "Shop", MCC: "5411", Status: posguard.MerchantActive, Kind: "enterprise", FeePlan: "standard",
			Account: posguard.SettlementAccount{Bank: "ICBC", Number: "1001020309000123456", Name: "Shop Ltd", Status: "ok"}},
		{ID: stall, Name: "Stall", MCC: "5812", Status: posguard.MerchantActive, Kind: "individual", FeePlan: "small",
			Account: posguard.SettlementAccount{Bank: "CCB", Number: "4300150160052000777", Name: "Wang", Status: "ok"}},
	}
	for _, m := range ms {
		if err := st.PutMerchant(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	plans := []posguard.FeePlan{
		{Name: "standard", CreditRate: 6000, DebitRate: 5000, DebitCap: 2000, QRRate: 3800,
			D0: posguard.D0Rule{Enabled: true, MinAmount: 1100, Window: "00:00-23:00", Extra: 1000}},
		{Name: "small", CreditRate: 3800, DebitRate: 3800, DebitCap: 2000, QRRate: 3000},
	}
	m := st.Money()
	if err := settlement.LoadFeePlans(ctx, m, plans); err != nil {
		t.Fatal(err)
	}
	if err := settlement.LoadCardKinds(ctx, m, []posguard.Card{{PAN: debit + "0000001234", Kind: posguard.CardDebit}}); err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, st: st, now: local(day, 9, 0)}
	fees := &settlement.FeeBook{Store: m, Merchants: st}
	w.money = &schedule.Money{
		Poster:    &ledger.Poster{Store: m, Pricer: fees},
		Settler:   &settlement.Settler{Store: m, Merchants: st, Fees: fees, Now: w.clock},
		Payouts:   &payout.Runner{Store: m, Merchants: st, Bank: simbank.New(ms), Now: w.clock},
		Merchants: st,
	}
	return w
}

// sale journals an approved debit card sale of the settlement day d.
func (w *world) sale(mid, d string, amount posguard.Amount) *posguard.Transaction {
	w.t.Helper()
	w.stan++
	tx := &posguard.Transaction{
		TxnKey: posguard.TxnKey{TerminalID: "10000001", Batch: "000001", STAN: fmt.Sprintf("%06d", w.stan), MTI: "0200"},
		Type:   posguard.TxnSale, ContentHash: fmt.Sprintf("%064d", w.stan), MerchantID: mid, PANMasked: debit + "******1234",
		IssuerBIN: debit, CardOrg: "CUP", Amount: amount, Currency: posguard.CurrencyCNY, ProcCode: "000000",
		EntryMode: "051", SettlementDate: d, State: posguard.StateApproved, ResponseCode: "00", Reason: posguard.ReasonApproved,
	}
	if err := w.st.Insert(context.Background(), tx); err != nil {
		w.t.Fatal(err)
	}
	return tx
}

func (w *world) scheduler(owner string) *schedule.Scheduler {
	s := &schedule.Scheduler{Jobs: w.st, Now: w.clock, Owner: owner, Since: day}
	w.money.Attach(s)
	return s
}

func (w *world) where(tx *posguard.Transaction) settlement.TxnSettlement {
	w.t.Helper()
	st, err := settlement.StatusOf(context.Background(), w.st.Money(), tx.ID)
	if err != nil {
		w.t.Fatal(err)
	}
	return st
}

func (w *world) job(key string) *posguard.Job {
	w.t.Helper()
	j, err := w.st.Job(context.Background(), key)
	if err != nil {
		w.t.Fatalf("job %s: %v", key, err)
	}
	return j
}

// TestDayRollsOverAndSettlesItself: before the cut-off nothing of the day
// runs; once 23:00 UTC+8 passes, one tick closes the day, settles it T+1 and
// pays it, each a job row done; later ticks run nothing again.
func TestDayRollsOverAndSettlesItself(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	s := w.scheduler("host-a")
	s.D0 = nil
	a := w.sale(stall, day, 50000)
	b := w.sale(shop, day, 900)
	w.set(local(day, 22, 59))
	if ran, err := s.Tick(ctx); err != nil || len(ran) != 0 {
		t.Fatalf("before the cut-off: %v %v", ran, err)
	}
	w.set(local(day, 23, 0).Add(time.Second))
	ran, err := s.Tick(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ran) != 3 || ran[0].Kind != posguard.JobCloseDay || ran[1].Kind != posguard.JobSettle || ran[2].Kind != posguard.JobPayouts {
		t.Fatalf("at the cut-off ran %+v", ran)
	}
	for _, j := range ran {
		if j.State != posguard.JobDone || j.Day != day {
			t.Fatalf("job %s", schedule.Describe(j))
		}
	}
	if j := w.job("settle_t1:" + day); j.Attempts != 1 || j.Owner != "host-a" {
		t.Fatalf("settle job %+v", j)
	}
	for _, tx := range []*posguard.Transaction{a, b} {
		if st := w.where(tx); st.Where != settlement.WherePaid {
			t.Fatalf("txn %d after the day's jobs: %+v", tx.ID, st)
		}
	}
	w.set(local(day, 23, 30))
	if ran, err := s.Tick(ctx); err != nil || len(ran) != 0 {
		t.Fatalf("after the day's jobs: %v %v", ran, err)
	}
	jobs, err := w.st.Jobs(ctx, posguard.JobFilter{Day: day})
	if err != nil || len(jobs) != 3 {
		t.Fatalf("jobs %v %v", jobs, err)
	}
}

// TestSchedulersRaceRunOnce: four schedulers over one store tick at the
// same moment, again and again: every step runs exactly once and the day
// is settled once.
func TestSchedulersRaceRunOnce(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.sale(stall, day, 50000)
	w.sale(shop, day, 30000)
	w.set(local(day, 23, 0).Add(time.Minute))
	var calls [4]atomic.Int32
	count := func(i int, step schedule.Step) schedule.Step {
		return func(ctx context.Context, d string) (string, error) { calls[i].Add(1); return step(ctx, d) }
	}
	var wg sync.WaitGroup
	for n := 0; n < 4; n++ {
		s := w.scheduler(fmt.Sprintf("host-%d", n))
		s.CloseDay, s.Settle, s.Payouts, s.D0 = count(0, s.CloseDay), count(1, s.Settle), count(2, s.Payouts), count(3, s.D0)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; k < 5; k++ {
				if _, err := s.Tick(ctx); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	for i := range calls {
		if n := calls[i].Load(); n != 1 {
			t.Fatalf("step %d ran %d times, want once", i, n)
		}
	}
	bs, err := w.st.Money().Batches(ctx, "", day, day)
	if err != nil || len(bs) != 2 {
		t.Fatalf("batches %v %v", bs, err)
	}
}

// TestRestartInTheMiddle: an instance claims the settlement and dies (its
// row stays running, the settlement itself may or may not have happened).
// While its lease holds nobody runs the step; after it, another instance
// takes the job over and runs it again, which settles nothing twice.
func TestRestartInTheMiddle(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	sale := w.sale(stall, day, 50000)
	cut := local(day, 23, 0).Add(time.Second)
	w.set(cut)
	// The dead instance closed the day, claimed the settlement, settled,
	// and died before it recorded the job done: the row stays running.
	first := w.scheduler("host-dead")
	first.Settle, first.Payouts, first.D0 = nil, nil, nil
	if ran, err := first.Tick(ctx); err != nil || len(ran) != 1 {
		t.Fatalf("first instance: %v %v", ran, err)
	}
	if _, ok, err := w.st.ClaimJob(ctx, posguard.JobSettle, day, "", "host-dead", cut, cut.Add(10*time.Minute)); err != nil || !ok {
		t.Fatalf("claim %v %v", ok, err)
	}
	if _, err := w.money.Settle(ctx, day); err != nil {
		t.Fatal(err)
	}
	second := w.scheduler("host-b")
	second.D0 = nil
	w.set(cut.Add(5 * time.Minute))
	if ran, err := second.Tick(ctx); err != nil || len(ran) != 0 {
		t.Fatalf("during the dead instance's lease: %v %v", ran, err)
	}
	w.set(cut.Add(11 * time.Minute))
	ran, err := second.Tick(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ran) != 2 {
		t.Fatalf("after the lease ran %d jobs", len(ran))
	}
	j := w.job("settle_t1:" + day)
	if j.State != posguard.JobDone || j.Attempts != 2 || j.Owner != "host-b" || !strings.Contains(j.Result, "0 batches") {
		t.Fatalf("taken-over job %+v", j)
	}
	bs, _ := w.st.Money().Batches(ctx, "", day, day)
	if len(bs) != 1 {
		t.Fatalf("batches after the re-run: %d, want 1", len(bs))
	}
	if st := w.where(sale); st.Where != settlement.WherePaid {
		t.Fatalf("sale %+v", st)
	}
	// A step that panics is a failed attempt, retried later.
	w2 := newWorld(t)
	w2.set(cut)
	w2.sale(stall, day, 1000)
	p := w2.scheduler("host-p")
	p.D0 = nil
	boom := true
	settle := p.Settle
	p.Settle = func(ctx context.Context, d string) (string, error) {
		if boom {
			boom = false
			panic("boom")
		}
		return settle(ctx, d)
	}
	if _, err := p.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if j := w2.job("settle_t1:" + day); j.State != posguard.JobFailed || j.Error == "" {
		t.Fatalf("panicked job %+v", j)
	}
	w2.set(cut.Add(2 * time.Minute))
	if _, err := p.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if j := w2.job("settle_t1:" + day); j.State != posguard.JobDone || j.Attempts != 2 {
		t.Fatalf("retried job %+v", j)
	}
}

// TestD0PaysSameDay: the seeds' rule — a D0 merchant's card sale of 11.00
// 元 is paid the same day by the D0 job of the next slot; one of 10.99 元
// is not, and neither is a sale of a merchant without D0; both wait for T+1
// at the cut-off.
func TestD0PaysSameDay(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	s := w.scheduler("host-a")
	w.set(local(day, 10, 1))
	exact := w.sale(shop, day, 1100)
	small := w.sale(shop, day, 1099)
	other := w.sale(stall, day, 50000)
	w.set(local(day, 10, 6))
	ran, err := s.Tick(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ran) != 1 || ran[0].Key != "d0:"+day+":10:05:00" || ran[0].State != posguard.JobDone {
		t.Fatalf("D0 tick ran %+v", ran)
	}
	st := w.where(exact)
	if st.Where != settlement.WherePaid || st.PaidOn != day {
		t.Fatalf("11.00 sale: %+v", st)
	}
	if st := w.where(small); st.Where != settlement.WhereUnsettled {
		t.Fatalf("10.99 sale: %+v", st)
	}
	if st := w.where(other); st.Where != settlement.WhereUnsettled {
		t.Fatalf("sale of a merchant without D0: %+v", st)
	}
	// The same slot never runs twice; the next slot finds nothing.
	w.set(local(day, 10, 9))
	if ran, _ := s.Tick(ctx); len(ran) != 0 {
		t.Fatalf("same slot again: %+v", ran)
	}
	w.set(local(day, 10, 11))
	if ran, _ := s.Tick(ctx); len(ran) != 1 || ran[0].Result != "D0: nothing to pay" {
		t.Fatalf("next slot: %+v", ran)
	}
	w.set(local(day, 23, 0).Add(time.Second))
	if _, err := s.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	for _, tx := range []*posguard.Transaction{small, other} {
		if st := w.where(tx); st.Where != settlement.WherePaid || st.PaidOn != "2026-03-02" {
			t.Fatalf("txn %d after T+1: %+v", tx.ID, st)
		}
	}
}

// TestReconWaitsForTheFile: the reconciliation job waits (and is tried
// again) while the clearing file is not there.
func TestReconWaitsForTheFile(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	s := w.scheduler("host-a")
	s.D0 = nil
	arrived := false
	s.Recon = func(ctx context.Context, d string) (string, error) {
		if !arrived {
			return "", posguard.Errorf(posguard.ENOTFOUND, "no clearing file for %s yet", d)
		}
		return "reconciled", nil
	}
	cut := local(day, 23, 0).Add(time.Second)
	w.set(cut)
	if _, err := s.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if j := w.job("recon:" + day); j.State != posguard.JobWaiting {
		t.Fatalf("recon without a file %+v", j)
	}
	arrived = true
	w.set(cut.Add(30 * time.Second)) // before the retry time
	if ran, _ := s.Tick(ctx); len(ran) != 0 {
		t.Fatalf("retried too early: %+v", ran)
	}
	w.set(cut.Add(2 * time.Minute))
	if ran, _ := s.Tick(ctx); len(ran) != 1 || ran[0].State != posguard.JobDone {
		t.Fatalf("recon once the file is there: %+v", ran)
	}
}
