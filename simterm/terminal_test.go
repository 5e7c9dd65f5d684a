package simterm

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/iso8583"
	"github.com/posguard/posguard/keys"
	"github.com/posguard/posguard/terminal"
)

func TestSignOnInstallsKeysAndAdoptsBatch(t *testing.T) {
	for _, tc := range []struct{ scheme, alg string }{
		{posguard.KeyScheme001, posguard.MACCupsECB},
		{posguard.KeyScheme003, posguard.MACCupsECB},
		{posguard.KeyScheme004, posguard.MACX919},
	} {
		t.Run(tc.scheme+"/"+tc.alg, func(t *testing.T) {
			h := newTestHost(t, tc.scheme, tc.alg)
			h.batch = "000042"
			term := dialTest(t, h, nil)
			if err := term.SignOn(context.Background()); err != nil {
				t.Fatal(err)
			}
			req := h.requests()[0].msg
			if req.MTI != "0800" || req.Get(11) != "000001" || req.Get(60) != "00000001"+tc.scheme || req.Get(63) != "001" {
				t.Errorf("sign-on request: mti %s 11 %s 60 %s 63 %s", req.MTI, req.Get(11), req.Get(60), req.Get(63))
			}
			if req.Has(64) {
				t.Error("sign-on carries a MAC before any key exists")
			}
			if !bytes.Equal(term.keys.PIK, h.keys.PIK) || !bytes.Equal(term.keys.MAK, h.keys.MAK) || !bytes.Equal(term.keys.TDK, h.keys.TDK) {
				t.Error("working keys differ from the host's")
			}
			if got := term.Batch(); got != "000042" {
				t.Errorf("batch %s, want the host's 000042", got)
			}
			if !term.SignedOn() {
				t.Error("not signed on")
			}
			// The next message is MACed with the new MAK and verified by the host.
			if _, err := term.Sale(context.Background(), testCard, 100); err != nil {
				t.Fatal(err)
			}
			if s := h.requests()[1]; !s.macOK || s.msg.Get(60) != "22000042000" {
				t.Errorf("sale: MAC ok %v, 60 %s", s.macOK, s.msg.Get(60))
			}
		})
	}
}

func TestSignOnRefusesBadCheckValueAndDecline(t *testing.T) {
	h := newTestHost(t, posguard.KeyScheme003, posguard.MACCupsECB)
	term := dialTest(t, h, nil)
	h.setScript(func(m *iso8583.Message) reply { return reply{badKCV: true} })
	err := term.SignOn(context.Background())
	var kcv *keys.CheckValueError
	if posguard.ErrorCode(err) != posguard.EINVALID || !errors.As(err, &kcv) || kcv.Key != "PIK" {
		t.Fatalf("bad KCV: err %v, want EINVALID naming PIK", err)
	}
	if term.SignedOn() || term.keys.MAK != nil {
		t.Error("keys installed despite a bad check value")
	}
	h.setScript(func(m *iso8583.Message) reply { return reply{code: "97"} })
	err = term.SignOn(context.Background())
	var d *DeclineError
	if !errors.As(err, &d) || d.Code != "97" || d.Type != posguard.TxnSignOn {
		t.Fatalf("declined sign-on: err %v", err)
	}
}

func TestSaleMessage(t *testing.T) {
	for _, tc := range []struct {
		name   string
		scheme string
		card   Card
		mode   string
		sec    string
	}{
		{"swipe PIN 3DES", posguard.KeyScheme003, testCard, "021", "2600000000000000"},
		{"swipe PIN DES", posguard.KeyScheme001, testCard, "021", "2000000000000000"},
		{"swipe no PIN", posguard.KeyScheme003, Card{PAN: testCard.PAN, Expiry: "3012"}, "022", ""},
		{"IC PIN", posguard.KeyScheme004, Card{PAN: testCard.PAN, Expiry: "3012", PIN: "123456", IC: true}, "051", "2600000000000000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newTestHost(t, tc.scheme, posguard.MACCupsECB)
			term := dialTest(t, h, nil)
			res, err := term.Sale(context.Background(), tc.card, 12345)
			if err != nil {
				t.Fatal(err)
			}
			if !res.Approved() || res.RRN == "" || res.AuthCode != "A1B2C3" || res.LocalDate != "0615" || res.STAN != "000002" {
				t.Errorf("result %+v", res)
			}
			s := h.requests()[1] // 0: the implicit sign-on
			m := s.msg
			if !s.macOK {
				t.Error("host could not verify the sale's MAC")
			}
			want := map[int]string{2: tc.card.PAN.Reveal(), 3: "000000", 4: "000000012345", 11: "000002", 22: tc.mode, 25: "00",
				41: "10000001", 42: "898310048990001", 49: "156", 60: "22000001000", 63: "001"}
			for n, v := range want {
				if m.Get(n) != v {
					t.Errorf("field %d = %q, want %q", n, m.Get(n), v)
				}
			}
			if !strings.HasPrefix(m.Get(35), tc.card.PAN.Reveal()+"D3012201") || len(m.Get(35)) > 37 {
				t.Errorf("track 2 malformed (length %d)", len(m.Get(35)))
			}
			if tc.sec == "" {
				if m.Has(52) || m.Has(26) || m.Has(53) {
					t.Error("PIN fields without a PIN")
				}
			} else {
				pin, err := keys.DecryptPINBlock(h.keys.PIK, m.GetBytes(52), tc.card.PAN)
				if err != nil || pin != tc.card.PIN {
					t.Errorf("PIN block does not decrypt to the PIN under the PIK: %v", err)
				}
				if m.Get(26) != "12" || m.Get(53) != tc.sec {
					t.Errorf("26 %s 53 %s", m.Get(26), m.Get(53))
				}
			}
			if tc.card.IC {
				tlv, err := iso8583.ParseTLV(m.GetBytes(55))
				if err != nil {
					t.Fatalf("field 55: %v", err)
				}
				if _, ok := iso8583.FindTLV(tlv, 0x9F26); !ok || m.Get(23) != "001" || m.Get(14) != "3012" {
					t.Error("IC sale lacks cryptogram, 23 or 14")
				}
			}
			if _, ok := term.PendingReversal(); ok {
				t.Error("reversal record left after a trusted approval")
			}
			if tot := term.Totals(); tot.DomesticDebitAmount != 12345 || tot.DomesticDebitCount != 1 {
				t.Errorf("totals %+v", tot)
			}
		})
	}
}

// stepsOf returns "MTI/39" for each request, for order assertions.
func stepsOf(h *testHost) []string {
	var out []string
	for _, s := range h.requests() {
		out = append(out, s.msg.MTI+"/"+s.msg.Get(39))
	}
	return out
}

func TestReversalRecord(t *testing.T) {
	// Each case answers the first sale in some way, then lets a second sale
	// through, and checks what reached the host in between.
	for _, tc := range []struct {
		name     string
		first    reply
		timeout  time.Duration
		wantErr  string // posguard error code of the first sale
		reason   string // pending reversal reason after the first sale, "" none
		steps    []string
		debitCnt int // approved sales in the totals at the end
	}{
		{"approved", reply{}, 0, "", "", []string{"0800/", "0200/", "0200/"}, 2},
		{"declined 51", reply{code: "51"}, 0, "", "", []string{"0800/", "0200/", "0200/"}, 1},
		{"bad MAC", reply{badMAC: true}, 0, posguard.EUNAUTHORIZED, ReasonBadMAC, []string{"0800/", "0200/", "0800/", "0400/A0", "0200/"}, 1},
		{"approval without MAC", reply{noField: true}, 0, posguard.EUNAUTHORIZED, ReasonBadMAC, []string{"0800/", "0200/", "0800/", "0400/A0", "0200/"}, 1},
		{"host 98", reply{code: "98"}, 0, "", ReasonNoAnswer, []string{"0800/", "0200/", "0400/98", "0200/"}, 1},
		{"no answer", reply{silent: true}, 300 * time.Millisecond, posguard.ETIMEOUT, ReasonNoAnswer, []string{"0800/", "0200/", "0400/98", "0200/"}, 1},
		{"host A0", reply{code: "A0"}, 0, "", "", []string{"0800/", "0200/", "0800/", "0200/"}, 1},
		{"77 sign on again", reply{code: "77", resign: true}, 0, "", "", []string{"0800/", "0200/", "0800/", "0200/"}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newTestHost(t, posguard.KeyScheme003, posguard.MACCupsECB)
			term := dialTest(t, h, func(c *Config) {
				if tc.timeout > 0 {
					c.Timeout = tc.timeout
				}
			})
			sales := 0
			h.setScript(func(m *iso8583.Message) reply {
				if m.MTI == "0200" {
					sales++
					if sales == 1 {
						return tc.first
					}
				}
				return reply{}
			})
			res, err := term.Sale(context.Background(), testCard, 5000)
			if got := posguard.ErrorCode(err); got != tc.wantErr {
				t.Fatalf("first sale error %v (%q), want %q", err, got, tc.wantErr)
			}
			if res == nil || res.Approved() && tc.reason != "" {
				t.Fatalf("first sale result %+v", res)
			}
			p, ok := term.PendingReversal()
			if ok != (tc.reason != "") || p.Reason != tc.reason {
				t.Fatalf("pending reversal %+v %v, want reason %q", p, ok, tc.reason)
			}
			if ok && (p.STAN != res.STAN || p.Amount != 5000 || p.Type != posguard.TxnSale) {
				t.Errorf("pending reversal %+v does not describe the sale %s", p, res.STAN)
			}
			if _, err := term.Sale(context.Background(), testCard, 700); err != nil {
				t.Fatal(err)
			}
			if got := stepsOf(h); !slices.Equal(got, tc.steps) {
				t.Errorf("host saw %v, want %v", got, tc.steps)
			}
			reqs := h.requests()
			for _, s := range reqs {
				if s.msg.MTI != "0400" {
					continue
				}
				orig := reqs[1].msg
				for _, n := range []int{2, 3, 4, 11, 22, 25, 41, 42, 49, 60} {
					if s.msg.Get(n) != orig.Get(n) {
						t.Errorf("0400 field %d = %q, original %q", n, s.msg.Get(n), orig.Get(n))
					}
				}
				if s.msg.Has(52) || s.msg.Has(35) || !s.macOK {
					t.Error("0400 carries PIN or track data, or a bad MAC")
				}
			}
			if _, ok := term.PendingReversal(); ok {
				t.Error("reversal record left after an acknowledged 0400")
			}
			if got := term.Totals().DomesticDebitCount; got != tc.debitCnt {
				t.Errorf("debit count %d, want %d (a reversed sale counts nowhere)", got, tc.debitCnt)
			}
		})
	}
}

func TestReversalGivesUpAfterThreeTries(t *testing.T) {
	h := newTestHost(t, posguard.KeyScheme003, posguard.MACCupsECB)
	term := dialTest(t, h, nil)
	sales := 0
	h.setScript(func(m *iso8583.Message) reply {
		switch m.MTI {
		case "0200":
			sales++
			if sales == 1 {
				return reply{code: "98"}
			}
		case "0400":
			return reply{code: "96"}
		}
		return reply{}
	})
	if _, err := term.Sale(context.Background(), testCard, 5000); err != nil {
		t.Fatal(err)
	}
	if _, err := term.Sale(context.Background(), testCard, 600); err != nil {
		t.Fatal(err)
	}
	want := []string{"0800/", "0200/", "0400/98", "0400/98", "0400/98", "0200/"}
	if got := stepsOf(h); !slices.Equal(got, want) {
		t.Errorf("host saw %v, want %v", got, want)
	}
	c := term.takeCounters()
	if c.reversalsSent != 3 || c.reversalsAcked != 0 || c.reversalsGaveUp != 1 {
		t.Errorf("counters %+v", c)
	}
}

func TestReversalBeforeSettlementAndFailAfterApproval(t *testing.T) {
	h := newTestHost(t, posguard.KeyScheme003, posguard.MACCupsECB)
	term := dialTest(t, h, nil)
	res, err := term.Sale(context.Background(), testCard, 5000, FailAfterApproval())
	if err != nil {
		t.Fatal(err)
	}
	if res.Approved() || !res.ReversalPending {
		t.Errorf("an approval the terminal refused counts as approved: %+v", res)
	}
	if _, err := term.Settle(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := []string{"0800/", "0200/", "0400/06", "0500/"}
	if got := stepsOf(h); !slices.Equal(got, want) {
		t.Errorf("host saw %v, want %v", got, want)
	}
	if got, want := h.requests()[3].msg.Get(48), (terminal.Settlement{}).String(); got != want {
		t.Errorf("settlement 48 %s, want zero totals", got)
	}
}
