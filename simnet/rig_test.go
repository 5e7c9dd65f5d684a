package simnet

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/network"
)

// Test cards. PANs are made up; the clock of the rig is 2026-03-11.
const (
	panOK      = "6225880000000018"
	panLost    = "6225880000000026"
	panStolen  = "6225880000000034"
	panFrozen  = "6217000000000042"
	panDormant = "6217000000000059"
	panExpSt   = "6217000000000067"
	panExpDate = "6217000000000075"
	panLow     = "6217000000000083"
	panOther   = "6217000000000091"
	pinOK      = "123456"
)

func testCards() []posguard.Card {
	card := func(pan string, status posguard.CardStatus, expiry string, bal posguard.Amount) posguard.Card {
		return posguard.Card{PAN: posguard.PAN(pan), Expiry: expiry, PIN: pinOK, Kind: posguard.CardDebit, Balance: bal, Status: status}
	}
	return []posguard.Card{
		card(panOK, posguard.CardActive, "2812", 100000),
		card(panLost, posguard.CardLost, "2812", 100000),
		card(panStolen, posguard.CardStolen, "2812", 100000),
		card(panFrozen, posguard.CardFrozen, "2812", 100000),
		card(panDormant, posguard.CardDormant, "2812", 100000),
		card(panExpSt, posguard.CardExpired, "2812", 100000),
		card(panExpDate, posguard.CardActive, "2401", 100000),
		card(panLow, posguard.CardActive, "2812", 500),
		card(panOther, posguard.CardActive, "2812", 100000),
	}
}

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// rig is a simnet served on a real TCP port and a network.Client talking
// to it.
type rig struct {
	t      *testing.T
	net    *Network
	client *network.Client
	clock  *clock
	late   chan *posguard.UpstreamResponse
	stan   int
	mu     sync.Mutex
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newRig(t *testing.T, faults string) *rig {
	t.Helper()
	clk := &clock{t: time.Date(2026, 3, 11, 10, 15, 30, 0, time.UTC)}
	n := New(testCards(), testZoneKey, Options{Seed: 1, Faults: faults, Logger: quiet(), Now: clk.Now})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- n.Serve(l) }()
	r := &rig{t: t, net: n, clock: clk, late: make(chan *posguard.UpstreamResponse, 64)}
	c := &network.Client{Addrs: []string{l.Addr().String()}, Conns: 2, Logger: quiet(), EchoInterval: -1,
		MinBackoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond, AcquirerID: "48021000",
		OnLate: func(resp *posguard.UpstreamResponse) {
			select { // never block the client's reader
			case r.late <- resp:
			default:
			}
		}}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Ready(ctx); err != nil {
		t.Fatal(err)
	}
	r.client = c
	t.Cleanup(func() {
		c.Close()
		sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer scancel()
		if err := n.Shutdown(sctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-served; !errors.Is(err, ErrServerClosed) {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
	})
	return r
}

func (r *rig) nextSTAN() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stan++
	return fmt.Sprintf("%06d", r.stan)
}

// req builds a request on pan; proc and mti pick the transaction.
func (r *rig) req(mti, proc, pan string, amount posguard.Amount) *posguard.UpstreamRequest {
	stan := r.nextSTAN()
	return &posguard.UpstreamRequest{MTI: mti, ProcCode: proc, PAN: posguard.PAN(pan), Amount: amount,
		Currency: "156", STAN: stan, Time: "0311101530", LocalTime: "181530", LocalDate: "0311", MCC: "5411",
		EntryMode: "021", CondCode: "00", AcquirerID: "48021000", TerminalID: "10000001",
		MerchantID: "898310048990001", RRN: "331510" + stan}
}

func (r *rig) sale(pan string, amount posguard.Amount) *posguard.UpstreamRequest {
	return r.req("0200", "000000", pan, amount)
}

// of returns the field 90 data naming req.
func of(req *posguard.UpstreamRequest) *posguard.OriginalData {
	return &posguard.OriginalData{MTI: req.MTI, STAN: req.STAN, Time: req.Time, AcquirerID: req.AcquirerID}
}

func (r *rig) reversalOf(orig *posguard.UpstreamRequest) *posguard.UpstreamRequest {
	rev := r.req("0420", orig.ProcCode, orig.PAN.Reveal(), orig.Amount)
	rev.ReasonCode = "98"
	rev.Original = of(orig)
	return rev
}

// send sends req and expects an answer.
func (r *rig) send(req *posguard.UpstreamRequest) *posguard.UpstreamResponse {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := r.client.Send(ctx, req)
	if err != nil {
		r.t.Fatalf("Send %s %s: %v", req.MTI, req.STAN, err)
	}
	return resp
}

// sendErr sends req and returns the answer and the error.
func (r *rig) sendErr(req *posguard.UpstreamRequest) (*posguard.UpstreamResponse, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return r.client.Send(ctx, req)
}

// sendNoAnswer sends req where no answer will come, and returns the error.
func (r *rig) sendNoAnswer(req *posguard.UpstreamRequest) error {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	resp, err := r.client.Send(ctx, req)
	if err == nil {
		r.t.Fatalf("Send %s %s answered %s, want no answer", req.MTI, req.STAN, resp.Code)
	}
	return err
}

func (r *rig) taken(pan string) posguard.Amount { return r.net.Taken(pan) }

func (r *rig) faults(spec string) {
	r.t.Helper()
	if err := r.net.SetFaults(spec); err != nil {
		r.t.Fatal(err)
	}
}
