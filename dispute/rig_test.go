package dispute_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/dispute"
	"github.com/posguard/posguard/ledger"
	"github.com/posguard/posguard/network"
	"github.com/posguard/posguard/payout"
	"github.com/posguard/posguard/postgres"
	"github.com/posguard/posguard/settlement"
	"github.com/posguard/posguard/simbank"
	"github.com/posguard/posguard/simnet"
	"github.com/posguard/posguard/sqlite"
	"github.com/posguard/posguard/storetest"
)

const (
	shop     = "898310048990001"
	shopTID  = "10000001"
	other    = "898310058120002"
	otherTID = "10000002"
	pan      = "6225880000000018"
)

// clock is a settable clock shared by simnet and posguard.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// rig is simnet on real TCP (card traffic) and HTTP (its admin API, with
// the dispute routes), a SQLite store, the ledger poster, the settler,
// the simulated bank and payout runner, and the dispute service talking
// to simnet through dispute.Client.
type rig struct {
	t       *testing.T
	clock   *clock
	net     *simnet.Network
	up      *network.Client
	st      rigStore
	m       posguard.MoneyStore
	poster  *ledger.Poster
	settler *settlement.Settler
	runner  *payout.Runner
	svc     *dispute.Service
	stan    int
}

// rigStore is what the rig needs of a store: SQLite's and PostgreSQL's.
type rigStore interface {
	dispute.Store
	Money() posguard.MoneyStore
	Access() posguard.AccessStore
	Close() error
}

// newRig is a rig over a fresh SQLite database.
func newRig(t *testing.T) *rig {
	t.Helper()
	return newRigOn(t, func(t *testing.T) rigStore {
		st, err := sqlite.Open(filepath.Join(t.TempDir(), "posguard.db"), storetest.NewSealer())
		if err != nil {
			t.Fatal(err)
		}
		return st
	})
}

// newRigPostgres is a rig over PostgreSQL (TEST_DATABASE_URL), in a
// schema of its own dropped at the end; it skips without the URL.
func newRigPostgres(t *testing.T) *rig {
	t.Helper()
	base := os.Getenv("TEST_DATABASE_URL")
	if base == "" {
		t.Skip("TEST_DATABASE_URL not set: skipping the PostgreSQL run")
	}
	return newRigOn(t, func(t *testing.T) rigStore {
		ctx := context.Background()
		var rb [6]byte
		rand.Read(rb[:])
		schema := "posguard_dispute_" + hex.EncodeToString(rb[:])
		admin, err := sql.Open("pgx", base)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
			admin.Close()
		})
		u, err := url.Parse(base)
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		st, err := postgres.Open(ctx, u.String(), storetest.NewSealer())
		if err != nil {
			t.Fatal(err)
		}
		return st
	})
}

// newRigOn is a rig over the store open returns.
func newRigOn(t *testing.T, open func(t *testing.T) rigStore) *rig {
	t.Helper()
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)}
	n := simnet.New([]posguard.Card{{PAN: pan, Expiry: "2812", PIN: "123456", Kind: posguard.CardDebit, Balance: 10000000, Status: posguard.CardActive}},
		nil, simnet.Options{Seed: 1, Logger: quiet(), Now: clk.Now})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- n.Serve(l) }()
	admin := httptest.NewServer(n.Handler())
	up := &network.Client{Addrs: []string{l.Addr().String()}, Conns: 1, Logger: quiet(), EchoInterval: -1,
		MinBackoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond, AcquirerID: "48021000"}
	cctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	t.Cleanup(cancel)
	if err := up.Start(cctx); err != nil {
		t.Fatal(err)
	}
	if err := up.Ready(cctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		up.Close()
		admin.Close()
		sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer scancel()
		n.Shutdown(sctx)
		if err := <-served; !errors.Is(err, simnet.ErrServerClosed) {
			t.Errorf("simnet Serve: %v", err)
		}
	})

	st := open(t)
	t.Cleanup(func() { st.Close() })
	ms := []*posguard.Merchant{
		{ID: shop, Name: "鲜果铺", MCC: "5411", Status: posguard.MerchantActive, Kind: "enterprise", FeePlan: "standard",
			Account: posguard.SettlementAccount{Bank: "ICBC", Number: "1001020309000123456", Name: "鲜果铺", Status: "ok"}},
		{ID: other, Name: "Noodle Bar", MCC: "5812", Status: posguard.MerchantActive, Kind: "small", FeePlan: "standard",
			Account: posguard.SettlementAccount{Bank: "CCB", Number: "4300150160052000777", Name: "Wang", Status: "ok"}},
	}
	for _, m := range ms {
		must(t, st.PutMerchant(ctx, m))
	}
	for _, tm := range []*posguard.Terminal{
		{ID: shopTID, MerchantID: shop, TMK: make([]byte, 16), KeyScheme: posguard.KeyScheme003, MAC: posguard.MACCupsECB, Model: "NEW8210", Firmware: "2.3.1", Status: posguard.TerminalActive},
		{ID: otherTID, MerchantID: other, TMK: make([]byte, 16), KeyScheme: posguard.KeyScheme003, MAC: posguard.MACCupsECB, Status: posguard.TerminalActive},
	} {
		must(t, st.PutTerminal(ctx, tm))
	}
	m := st.Money()
	must(t, settlement.LoadFeePlans(ctx, m, []posguard.FeePlan{{Name: "standard", CreditRate: 6000, DebitRate: 5000, DebitCap: 2000}}))
	must(t, settlement.LoadCardKinds(ctx, m, []posguard.Card{{PAN: pan, Kind: posguard.CardDebit}}))
	fees := &settlement.FeeBook{Store: m, Merchants: st}
	r := &rig{t: t, clock: clk, net: n, up: up, st: st, m: m,
		poster:  &ledger.Poster{Store: m, Pricer: fees},
		settler: &settlement.Settler{Store: m, Merchants: st, Fees: fees, Now: clk.Now},
		runner:  &payout.Runner{Store: m, Merchants: st, Bank: simbank.New(ms), Now: clk.Now},
	}
	r.svc = &dispute.Service{Store: st, Ledger: m, Audit: st.Access(), Network: &dispute.Client{BaseURL: admin.URL},
		AutoRetrieval: true, Now: clk.Now, Logger: quiet()}
	return r
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// sale sends a sale of amount for merchant mid upstream to simnet and
// journals it as the switch does, approved, then posts the ledger.
func (r *rig) sale(mid, tid string, amount posguard.Amount) *posguard.Transaction {
	r.t.Helper()
	r.stan++
	stan := fmt.Sprintf("%06d", r.stan)
	now := r.clock.Now()
	req := &posguard.UpstreamRequest{MTI: "0200", ProcCode: "000000", PAN: posguard.PAN(pan), Amount: amount, Currency: "156",
		STAN: stan, Time: now.Format("0102150405"), LocalTime: "101530", LocalDate: "0302", MCC: "5411", EntryMode: "051",
		CondCode: "00", AcquirerID: "48021000", TerminalID: tid, MerchantID: mid, RRN: "331510" + stan}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := r.up.Send(ctx, req)
	if err != nil || resp.Code != "00" {
		r.t.Fatalf("upstream sale: %v %+v", err, resp)
	}
	tx := &posguard.Transaction{
		TxnKey: posguard.TxnKey{TerminalID: tid, Batch: "000001", STAN: stan, MTI: "0200"}, Type: posguard.TxnSale,
		ContentHash: fmt.Sprintf("%064d", r.stan), MerchantID: mid, PANMasked: posguard.MaskPAN(pan), IssuerBIN: pan[:6],
		CardOrg: "CUP", Amount: amount, Currency: posguard.CurrencyCNY, ProcCode: "000000", EntryMode: "051",
		SettlementDate: posguard.Calendar{}.SettlementDate(now), RRN: resp.RRN, AuthCode: resp.AuthCode, ResponseCode: "00",
		Reason: posguard.ReasonApproved, State: posguard.StateApproved, UpstreamSTAN: stan, UpstreamTime: req.Time,
	}
	must(r.t, r.st.Insert(context.Background(), tx))
	r.post()
	return tx
}

// post drains the journal into the ledger.
func (r *rig) post() {
	r.t.Helper()
	if _, err := r.poster.Drain(context.Background()); err != nil {
		r.t.Fatal(err)
	}
}

// settleAndPay settles the business day before today and pays it out; it
// returns merchant mid's batch payout (0 if none).
func (r *rig) settleAndPay(mid string) posguard.Amount {
	r.t.Helper()
	ctx := context.Background()
	r.post()
	date := posguard.Calendar{}.SettlementDate(r.clock.Now().Add(-24 * time.Hour))
	rep, err := r.settler.Settle(ctx, date)
	must(r.t, err)
	if _, err := r.runner.Run(ctx); err != nil {
		r.t.Fatal(err)
	}
	for _, b := range rep.Batches {
		if b.MerchantID == mid {
			return b.Payout
		}
	}
	return 0
}

// position returns mid's position, checking that the ledger balances, the
// chain verifies and every merchant's money is accounted for.
func (r *rig) position(mid string) ledger.Position {
	r.t.Helper()
	ctx := context.Background()
	ps, err := r.m.Postings(ctx, 0, 100000)
	must(r.t, err)
	var trial posguard.Amount
	for _, a := range ledger.Total(ps) {
		trial += a
	}
	if trial != 0 {
		r.t.Fatalf("trial balance %s, want 0", trial)
	}
	if _, err := ledger.Verify(ctx, r.m); err != nil {
		r.t.Fatal(err)
	}
	var out ledger.Position
	for _, p := range ledger.Positions(ps) {
		if !p.Balanced() {
			r.t.Fatalf("merchant %s: unsettled %s + in flight %s + held %s + paid %s != earned %s",
				p.MerchantID, p.Unsettled, p.InFlight, p.Held, p.Paid, p.Earned)
		}
		if p.MerchantID == mid {
			out = p
		}
	}
	return out
}

// raise has simnet raise a dispute about t.
func (r *rig) raise(t *posguard.Transaction, kind posguard.DisputeKind, code string) string {
	r.t.Helper()
	no, err := r.net.RaiseDispute(t.RRN, kind, code, 0)
	must(r.t, err)
	return no.ID
}

// fetch imports simnet's dispute file.
func (r *rig) fetch() dispute.ImportReport {
	r.t.Helper()
	rep, err := r.svc.Fetch(context.Background())
	must(r.t, err)
	return rep
}
