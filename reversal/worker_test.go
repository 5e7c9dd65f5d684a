package reversal_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/reversal"
	"github.com/posguard/posguard/sqlite"
	"github.com/posguard/posguard/storetest"
)

// network answers reversals as told: fail makes every attempt time out.
type network struct {
	mu   sync.Mutex
	fail bool
	sent []*posguard.UpstreamRequest
}

func (n *network) Send(ctx context.Context, req *posguard.UpstreamRequest) (*posguard.UpstreamResponse, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.sent = append(n.sent, req)
	if n.fail {
		return nil, posguard.Errorf(posguard.ETIMEOUT, "no answer from the network")
	}
	return &posguard.UpstreamResponse{MTI: "0430", Code: "00", STAN: req.STAN, Time: req.Time}, nil
}

func (n *network) setFail(v bool) { n.mu.Lock(); n.fail = v; n.mu.Unlock() }

// clock is a settable time.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func setup(t *testing.T) (*sqlite.Store, *network, *clock, *reversal.Worker) {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "r.db"), storetest.NewSealer())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	net := &network{}
	clk := &clock{t: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)}
	st.Now = clk.now
	w := &reversal.Worker{Store: st, Upstream: net, AcquirerID: "48021000", Now: clk.now,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), BaseBackoff: time.Second, MaxBackoff: 8 * time.Second}
	return st, net, clk, w
}

// forwarded journals a sale left forwarded (as a crash would leave it).
func forwarded(t *testing.T, st *sqlite.Store, stan string, typ posguard.TxnType) *posguard.Transaction {
	t.Helper()
	tx := &posguard.Transaction{
		TxnKey: posguard.TxnKey{TerminalID: "10000001", Batch: "000001", STAN: stan, MTI: "0200"},
		Type:   typ, ContentHash: "h" + stan, MerchantID: "898310048990001", PANMasked: "622588******0019",
		Amount: 1000, Currency: "156", ProcCode: "000000", SettlementDate: "2026-11-22",
		State: posguard.StateForwarded, RRN: "1122000000" + stan[4:], UpstreamSTAN: stan, UpstreamTime: "1122100000",
	}
	if err := st.Insert(context.Background(), tx); err != nil {
		t.Fatal(err)
	}
	return tx
}

func TestSweepQueuesAndWorkerAcknowledges(t *testing.T) {
	st, net, _, w := setup(t)
	ctx := context.Background()
	sale := forwarded(t, st, "000001", posguard.TxnSale)
	inq := forwarded(t, st, "000002", posguard.TxnInquiry)
	n, err := w.Sweep(ctx, 0)
	if err != nil || n != 1 {
		t.Fatalf("sweep queued %d (err %v), want 1: only the sale moves money", n, err)
	}
	if got, _ := st.ByID(ctx, inq.ID); got.State != posguard.StateTimedOut {
		t.Fatalf("inquiry state %s, want timed_out", got.State)
	}
	done, err := w.RunOnce(ctx)
	if err != nil || done != 1 {
		t.Fatalf("acknowledged %d, err %v", done, err)
	}
	got, _ := st.ByID(ctx, sale.ID)
	if got.State != posguard.StateReversed {
		t.Fatalf("sale state %s, want reversed", got.State)
	}
	req := net.sent[0]
	if req.MTI != "0420" || req.Original == nil || req.Original.STAN != "000001" || req.Original.Time != "1122100000" || req.Original.MTI != "0200" {
		t.Fatalf("reversal advice %+v", req)
	}
	// A second sweep finds nothing.
	if n, _ := w.Sweep(ctx, 0); n != 0 {
		t.Fatalf("second sweep queued %d", n)
	}
}

func TestRetriesNeverAbandoned(t *testing.T) {
	st, net, clk, w := setup(t)
	ctx := context.Background()
	sale := forwarded(t, st, "000003", posguard.TxnSale)
	if _, err := w.Sweep(ctx, 0); err != nil {
		t.Fatal(err)
	}
	net.setFail(true)
	for i := 1; i <= 8; i++ {
		if _, err := w.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		r, err := st.PendingReversalFor(ctx, sale.ID)
		if err != nil {
			t.Fatalf("attempt %d: reversal no longer pending: %v", i, err)
		}
		if r.Attempts != i {
			t.Fatalf("attempts %d, want %d", r.Attempts, i)
		}
		wait := r.NextAttempt.Sub(clk.now())
		if wait <= 0 || wait > 10*time.Second {
			t.Fatalf("attempt %d: next attempt in %s, want within the 8s cap (+25%% jitter)", i, wait)
		}
		got, _ := st.ByID(ctx, sale.ID)
		wantState := posguard.StateReversalPending
		if i >= 5 {
			wantState = posguard.StateReversalFailed
		}
		if got.State != wantState {
			t.Fatalf("after %d attempts state %s, want %s", i, got.State, wantState)
		}
		// Not due yet: nothing is sent.
		before := len(net.sent)
		w.RunOnce(ctx)
		if len(net.sent) != before {
			t.Fatal("a reversal was sent before its next attempt time")
		}
		clk.add(wait)
	}
	if want := "0421"; net.sent[len(net.sent)-1].MTI != want {
		t.Fatalf("repeat MTI %s, want %s", net.sent[len(net.sent)-1].MTI, want)
	}
	// The network comes back: the flagged reversal completes.
	net.setFail(false)
	if n, err := w.RunOnce(ctx); err != nil || n != 1 {
		t.Fatalf("recovery: %d acknowledged, err %v", n, err)
	}
	got, _ := st.ByID(ctx, sale.ID)
	if got.State != posguard.StateReversed {
		t.Fatalf("state %s after recovery", got.State)
	}
	evs, _ := st.Events(ctx, sale.ID)
	attempts := 0
	for _, e := range evs {
		if len(e.Note) > 16 && e.Note[:16] == "reversal attempt" {
			attempts++
		}
	}
	if attempts != 5 {
		t.Fatalf("history shows %d failed attempts, want 5 (each up to the limit, then every tenth)", attempts)
	}
}

func TestInFlightOriginalIsHeldBack(t *testing.T) {
	st, net, _, w := setup(t)
	ctx := context.Background()
	sale := forwarded(t, st, "000004", posguard.TxnSale)
	if _, err := w.Sweep(ctx, 0); err != nil {
		t.Fatal(err)
	}
	inFlight := true
	w.InFlight = func(id int64) bool { return id == sale.ID && inFlight }
	w.RunOnce(ctx)
	if len(net.sent) != 0 {
		t.Fatal("reversal overtook its in-flight original")
	}
	inFlight = false
	if n, _ := w.RunOnce(ctx); n != 1 {
		t.Fatalf("acknowledged %d after the original finished", n)
	}
}

func TestReversedVoidRestoresSale(t *testing.T) {
	st, _, _, w := setup(t)
	ctx := context.Background()
	sale := forwarded(t, st, "000005", posguard.TxnSale)
	if err := st.Update(ctx, posguard.TxnUpdate{ID: sale.ID, State: posguard.StateVoided}); err != nil {
		t.Fatal(err)
	}
	void := &posguard.Transaction{
		TxnKey: posguard.TxnKey{TerminalID: "10000001", Batch: "000001", STAN: "000006", MTI: "0200"},
		Type:   posguard.TxnVoid, ContentHash: "v", MerchantID: "898310048990001", Amount: 1000, Currency: "156",
		SettlementDate: "2026-11-22", State: posguard.StateForwarded, OrigID: sale.ID, UpstreamSTAN: "000006", UpstreamTime: "1122100001",
	}
	if err := st.Insert(ctx, void); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Sweep(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := w.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.ByID(ctx, sale.ID); got.State != posguard.StateApproved {
		t.Fatalf("sale state %s after its void was reversed, want approved", got.State)
	}
	_ = fmt.Sprint
}

// TestClaimedReversalIsLeftToItsHolder: a reversal another instance claimed
// is not sent while the claim is live, and is taken over once it expires
// (the claimer died).
func TestClaimedReversalIsLeftToItsHolder(t *testing.T) {
	st, net, clk, b := setup(t)
	b.Holder = "b"
	ctx := context.Background()
	sale := forwarded(t, st, "000007", posguard.TxnSale)
	if _, err := b.Sweep(ctx, 0); err != nil {
		t.Fatal(err)
	}
	got, err := st.ClaimDueReversals(ctx, "a", clk.now(), 30*time.Second, 10)
	if err != nil || len(got) != 1 {
		t.Fatalf("a's claim: %v %v", got, err)
	}
	if n, err := b.RunOnce(ctx); err != nil || n != 0 || len(net.sent) != 0 {
		t.Fatalf("b sent a reversal a holds: %d acknowledged, %d sent, %v", n, len(net.sent), err)
	}
	clk.add(31 * time.Second)
	if n, err := b.RunOnce(ctx); err != nil || n != 1 || len(net.sent) != 1 {
		t.Fatalf("b after a's claim expired: %d acknowledged, %d sent, %v", n, len(net.sent), err)
	}
	if x, _ := st.ByID(ctx, sale.ID); x.State != posguard.StateReversed {
		t.Fatalf("state %s", x.State)
	}
}

// TestHoldKeepsReversalBehindAnotherInstancesOriginal: with Hold, a
// reversal is not sent before its transaction is Hold old (another
// instance may still await the original's answer), and no attempt is
// counted meanwhile.
func TestHoldKeepsReversalBehindAnotherInstancesOriginal(t *testing.T) {
	st, net, clk, w := setup(t)
	w.Hold = 20 * time.Second
	ctx := context.Background()
	sale := forwarded(t, st, "000008", posguard.TxnSale)
	if _, err := w.Sweep(ctx, 0); err != nil {
		t.Fatal(err)
	}
	w.RunOnce(ctx)
	if len(net.sent) != 0 {
		t.Fatal("reversal sent inside the hold")
	}
	clk.add(21 * time.Second)
	if n, _ := w.RunOnce(ctx); n != 1 || len(net.sent) != 1 || net.sent[0].MTI != "0420" {
		t.Fatalf("after the hold: %d acknowledged, sent %d", n, len(net.sent))
	}
	_ = sale
}
