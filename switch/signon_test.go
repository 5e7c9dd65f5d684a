package switching_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/terminal"
)

// spoofSignOn sends a sign-on the terminal did not make and returns the code.
func (f *fixture) spoofSignOn(merchant string) *posguard.TerminalResponse {
	f.t.Helper()
	return f.sw.HandleTerminal(f.ctx, &posguard.TerminalRequest{MTI: "0800", Type: posguard.TxnSignOn, TerminalID: tid,
		MerchantID: merchant, STAN: "000777", NetMgmt: "003", ReceivedAt: f.day})
}

// storedMAK is the MAK the store holds for the terminal.
func (f *fixture) storedMAK() []byte {
	f.t.Helper()
	t, err := f.store.Terminal(f.ctx, tid)
	if err != nil {
		f.t.Fatal(err)
	}
	return t.Keys.MAK
}

// clock makes the switch's clock settable.
func (f *fixture) clock() *time.Time {
	now := time.Now()
	f.sw.Now = func() time.Time { return now }
	return &now
}

func TestSpoofedSignOnKeepsTheTerminalsKeys(t *testing.T) {
	f := newFixture(t, nil)
	now := f.clock()
	f.signOn()
	real := f.mak
	f.do(f.req(posguard.TxnSale, 100), "00")

	// Two sign-ons the terminal did not make: its keys stay valid, and the
	// answers are MACed under them.
	for i := 0; i < 2; i++ {
		if r := f.spoofSignOn(mid); r.Code != "00" {
			t.Fatalf("spoofed sign-on %d: %s", i, r.Code)
		}
		*now = now.Add(time.Second)
		r := f.do(f.req(posguard.TxnSale, 100), "00")
		if !bytes.Equal(r.Terminal.Keys.MAK, real) {
			t.Fatal("answer not MACed under the keys the terminal holds")
		}
	}
	if bytes.Equal(f.storedMAK(), real) {
		t.Fatal("sign-on did not store new keys")
	}
	// The terminal signs on itself and uses the new keys: from then on the
	// old ones are refused.
	f.signOn()
	f.do(f.req(posguard.TxnSale, 100), "00")
	newMAK := f.mak
	f.mak = real
	f.do(f.req(posguard.TxnSale, 100), "A0")
	f.mak = newMAK
	f.do(f.req(posguard.TxnSale, 100), "00")
}

func TestPreviousKeysExpireAfterGrace(t *testing.T) {
	f := newFixture(t, nil)
	now := f.clock()
	f.signOn()
	f.spoofSignOn(mid)
	*now = now.Add(9 * time.Minute)
	f.do(f.req(posguard.TxnSale, 100), "00")
	*now = now.Add(2 * time.Minute) // 11 minutes after the spoof
	if r := f.do(f.req(posguard.TxnSale, 100), "A0"); !r.ResignOn {
		t.Fatal("A0 without sign-on request")
	}
}

func TestSignOnRateBounded(t *testing.T) {
	f := newFixture(t, nil)
	now := f.clock()
	for i := 0; i < switchingDefaultRate; i++ {
		if r := f.spoofSignOn(mid); r.Code != "00" {
			t.Fatalf("sign-on %d: %s", i+1, r.Code)
		}
	}
	before := f.storedMAK()
	r := f.spoofSignOn(mid)
	if r.Code != "96" || r.Reason != posguard.ReasonSignOnRate || r.DeliverKeys {
		t.Fatalf("sign-on over the rate: %s %s, keys delivered %v", r.Code, r.Reason, r.DeliverKeys)
	}
	if !bytes.Equal(f.storedMAK(), before) {
		t.Fatal("a refused sign-on changed the keys")
	}
	*now = now.Add(61 * time.Second)
	f.signOn()
}

const switchingDefaultRate = 6

func TestManagementMessagesCheckMerchantAndMAC(t *testing.T) {
	f := newFixture(t, nil)
	f.signOn()
	mak := f.storedMAK()
	if r := f.spoofSignOn("898310048990999"); r.Code != "03" || r.DeliverKeys {
		t.Fatalf("wrong-merchant sign-on: %s", r.Code)
	}
	if !bytes.Equal(f.storedMAK(), mak) {
		t.Fatal("wrong-merchant sign-on changed the keys")
	}
	f.do(f.req(posguard.TxnSale, 1000), "00")

	settle := func() *posguard.TerminalRequest {
		r := f.req(posguard.TxnSettlement, 0)
		r.MTI, r.ProcCode, r.NetMgmt = "0500", "", "201"
		r.SettleTotals = posguard.BatchTotals{DomesticDebitAmount: 1000, DomesticDebitCount: 1}
		r.Totals = terminal.Settlement{Totals: r.SettleTotals}.String()
		return f.seal(r)
	}
	noMAC := settle()
	noMAC.HasMAC, noMAC.MAC = false, nil
	f.do(noMAC, "A0")
	badMAC := settle()
	badMAC.MAC = []byte("12345678")
	f.do(badMAC, "A0")
	other := settle()
	other.MerchantID = "898310048990999"
	f.do(f.seal(other), "03")
	if tm, _ := f.store.Terminal(f.ctx, tid); tm.Batch != f.batch {
		t.Fatalf("batch moved to %s on a refused settlement", tm.Batch)
	}
	// The batch is still open: a sale in it is approved.
	f.do(f.req(posguard.TxnSale, 1000), "00")

	signOff := func() *posguard.TerminalRequest {
		r := f.req(posguard.TxnSignOff, 0)
		r.MTI, r.ProcCode, r.NetMgmt = "0820", "", "002"
		return f.seal(r)
	}
	off := signOff()
	off.HasMAC, off.MAC = false, nil
	f.do(off, "A0")
	wrong := signOff()
	wrong.MerchantID = "898310048990999"
	f.do(f.seal(wrong), "03")
	f.do(f.req(posguard.TxnSale, 1000), "00") // still signed on
	f.do(signOff(), "00")
	f.do(f.req(posguard.TxnSale, 1000), "77")
}

// The keys a sign-on answer carries decode under the TMK, and after a
// spoofed one the terminal's next sign-on still works.
func TestSignOnAnswerKeys(t *testing.T) {
	f := newFixture(t, nil)
	r := f.spoofSignOn(mid)
	if _, err := terminal.DecodeField62(tmk, "003", field62(t, r)); err != nil {
		t.Fatal(err)
	}
	f.signOn()
	f.do(f.req(posguard.TxnSale, 100), "00")
}
