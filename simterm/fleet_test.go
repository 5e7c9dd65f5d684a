package simterm

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/iso8583"
	"github.com/posguard/posguard/seed"
)

// testWorld is a small world: three active terminals (the fleet's), one
// disabled, and good and bad cards.
func testWorld(t *testing.T, scheme string) *seed.World {
	t.Helper()
	term := func(id string, st posguard.TerminalStatus) *posguard.Terminal {
		return &posguard.Terminal{ID: id, MerchantID: "898310048990001", TMK: testTMK, KeyScheme: scheme, MAC: posguard.MACCupsECB, Status: st}
	}
	return &seed.World{
		Merchants: []*posguard.Merchant{{ID: "898310048990001", Status: posguard.MerchantActive, Limits: posguard.Limits{PerTxn: 500000}}},
		Terminals: []*posguard.Terminal{term("10000001", posguard.TerminalActive), term("10000002", posguard.TerminalActive),
			term("10000007", posguard.TerminalDisabled), term("10000003", posguard.TerminalActive)},
		Cards: []posguard.Card{
			{PAN: "6222020000000000018", Expiry: "3012", PIN: "123456", Kind: posguard.CardDebit, Balance: 2000000, Status: posguard.CardActive},
			{PAN: "6225880000000019", Expiry: "3012", PIN: "123456", Kind: posguard.CardCredit, Balance: 3000000, Status: posguard.CardActive},
			{PAN: "6222020000000000091", Expiry: "3011", PIN: "123456", Kind: posguard.CardDebit, Balance: 500, Status: posguard.CardActive},
			{PAN: "6222020000000000109", Expiry: "3012", PIN: "123456", Kind: posguard.CardDebit, Balance: 2000000, Status: posguard.CardStolen},
		},
	}
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestFleetRunsCountAndSettles(t *testing.T) {
	h := newTestHost(t, posguard.KeyScheme003, posguard.MACCupsECB)
	// Every 7th sale gets an approval with a bad MAC: the fleet must
	// reverse each of them with A0 before settling.
	sales := 0
	badMACs := 0
	h.setScript(func(m *iso8583.Message) reply {
		if m.MTI == "0200" && m.Get(3) == "000000" {
			sales++
			if sales%7 == 0 {
				badMACs++
				return reply{badMAC: true}
			}
		}
		return reply{}
	})
	for _, rate := range []float64{0, 2000} {
		f, err := NewFleet(FleetConfig{Host: h.addr(), World: testWorld(t, posguard.KeyScheme003), Count: 60, Seed: 7, Rate: rate,
			Mix: Mix{Inquiry: 0.2, Void: 0.2, Refund: 0.1}, Timeout: 10 * time.Second, Logger: quietLogger()})
		if err != nil {
			t.Fatal(err)
		}
		s, err := f.Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if s.Terminals != 3 || s.Sent != 60 || s.Answered != 60 || s.Timeouts != 0 || s.Errors != 0 {
			t.Fatalf("rate %v: summary %+v", rate, s)
		}
		if s.SignOns < 3 || s.Settlements != 3 || s.SettledBalanced != 3 {
			t.Errorf("rate %v: sign-ons %d settlements %d balanced %d", rate, s.SignOns, s.Settlements, s.SettledBalanced)
		}
		sum := 0
		for _, n := range s.ByCode {
			sum += n
		}
		if sum != s.Answered || s.ByType[string(posguard.TxnSale)]["00"] == 0 || s.ByType[string(posguard.TxnInquiry)]["00"] == 0 {
			t.Errorf("rate %v: by code %v by type %v", rate, s.ByCode, s.ByType)
		}
		if snap := f.Snapshot(); snap.Sent != s.Sent {
			t.Errorf("snapshot after the run: sent %d, want %d", snap.Sent, s.Sent)
		}
	}
	h.mu.Lock()
	wantRev := badMACs
	h.mu.Unlock()
	var reversals, a0 int
	for _, r := range h.requests() {
		if r.msg.MTI == "0400" {
			reversals++
			if r.msg.Get(39) == "A0" {
				a0++
			}
		}
		if r.msg.Has(64) && !r.macOK {
			t.Errorf("host could not verify a %s MAC", r.msg.MTI)
		}
		if r.msg.Get(41) == "10000007" {
			t.Error("the disabled terminal took part")
		}
	}
	if wantRev == 0 || reversals != wantRev || a0 != wantRev {
		t.Errorf("host saw %d reversals (%d with A0), want one per bad MAC (%d)", reversals, a0, wantRev)
	}
}

func TestFleetStopsOnDuration(t *testing.T) {
	h := newTestHost(t, posguard.KeyScheme001, posguard.MACCupsECB)
	// No Count: only Duration can end this run.
	s, err := RunFleet(context.Background(), FleetConfig{Host: h.addr(), World: testWorld(t, posguard.KeyScheme001), Terminals: 2,
		Duration: 100 * time.Millisecond, Rate: 200, Seed: 1, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("sent %d in %s", s.Sent, s.Elapsed)
	if s.Terminals != 2 || s.Settlements != 2 || s.Sent != s.Answered {
		t.Errorf("summary %+v", s)
	}
}

func TestSummaryPrint(t *testing.T) {
	s := &Summary{Terminals: 2, Sent: 4, Answered: 4, ByCode: map[string]int{"00": 3, "51": 1}, Elapsed: time.Second}
	var buf bytes.Buffer
	s.PrintWith(&buf, func(code string) string { return "meaning of " + code })
	out := buf.String()
	for _, want := range []string{"sent 4", "00          3   75.0%  meaning of 00", "51          1   25.0%  meaning of 51"} {
		if !strings.Contains(out, want) {
			t.Errorf("printed summary lacks %q:\n%s", want, out)
		}
	}
	if i, j := strings.Index(out, "\n00 "), strings.Index(out, "\n51 "); i < 0 || j < i {
		t.Errorf("codes not in order:\n%s", out)
	}
}

func TestNewFleetRejects(t *testing.T) {
	w := testWorld(t, posguard.KeyScheme003)
	noGood := testWorld(t, posguard.KeyScheme003)
	noGood.Cards = noGood.Cards[2:]
	for _, tc := range []struct {
		name string
		cfg  FleetConfig
	}{
		{"no world", FleetConfig{Host: "x:1"}},
		{"no host", FleetConfig{World: w}},
		{"mix over 1", FleetConfig{Host: "x:1", World: w, Mix: Mix{Inquiry: 0.6, Void: 0.6}}},
		{"negative share", FleetConfig{Host: "x:1", World: w, Mix: Mix{Refund: -0.1}}},
		{"no good card", FleetConfig{Host: "x:1", World: noGood}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := NewFleet(tc.cfg); posguard.ErrorCode(err) != posguard.EINVALID {
				t.Errorf("err %v, want EINVALID", err)
			}
		})
	}
}

func TestPoolCards(t *testing.T) {
	w := testWorld(t, posguard.KeyScheme003)
	w.Cards = append(w.Cards, posguard.Card{PAN: "6217000000000000103", Expiry: "2510", Balance: 2000000, Status: posguard.CardActive})
	p := poolCards(w.Cards, "2606")
	if len(p.good) != 2 || len(p.bad) != 3 {
		t.Errorf("good %d bad %d, want 2 and 3 (low balance, stolen, expired by date)", len(p.good), len(p.bad))
	}
}

func TestMixPick(t *testing.T) {
	for _, tc := range []struct {
		mix  Mix
		want op
	}{
		{Mix{Inquiry: 1}, opInquiry},
		{Mix{Void: 1}, opVoid},
		{Mix{Refund: 1}, opRefund},
		{Mix{WrongPIN: 1}, opWrongPIN},
		{Mix{BadCard: 1}, opBadCard},
		{Mix{PreAuth: 1}, opPreAuth},
		{Mix{}, opSale},
	} {
		rng := newRand(3)
		for i := 0; i < 20; i++ {
			if got := tc.mix.pick(rng); got != tc.want {
				t.Fatalf("mix %+v picked %d, want %d", tc.mix, got, tc.want)
			}
		}
	}
	if wrongPIN("123456") != "123457" || wrongPIN("1239") != "1230" {
		t.Error("wrongPIN does not change the last digit")
	}
}
