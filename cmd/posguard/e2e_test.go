package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/iso8583"
)

const (
	shopTID, shopMID, shopTMK = "10000001", "898310048990001", "5A83ECD942AD9E5BC214212375C599C5"
	kycTID, kycMID, kycTMK    = "10000009", "898310053110005", "356D00F0B610A760C4C14E7A8E249029"
	frozTID, frozMID, frozTMK = "10000010", "898310059450006", "D998C24255C8C0208712776BF4D9B4AA"

	goodCard, goodExp   = posguard.PAN("6225880000000019"), "3012"
	good2Card, good2Exp = posguard.PAN("6222020000000000034"), "3108"
	lowCard, lowExp     = posguard.PAN("6225880000000092"), "3010"
	lostCard, lostExp   = posguard.PAN("6225880000000100"), "3012"
	oldCard, oldExp     = posguard.PAN("6225880000000118"), "2305"
)

func code(t *testing.T, what string, m *iso8583.Message, want string) *iso8583.Message {
	t.Helper()
	if m == nil {
		t.Fatalf("%s: connection closed, want %s", what, want)
	}
	if got := m.Get(39); got != want {
		t.Fatalf("%s: field 39 %q, want %q", what, got, want)
	}
	return m
}

// TestTerminalContract runs the terminal contract of spec/terminal-8583.md
// end to end: a terminal over real TCP, the host on SQLite, simnet as the
// card network; then checks the issuers' money against the journal.
func TestTerminalContract(t *testing.T) {
	wd := startWorld(t, "", 5*time.Second)
	ctx := context.Background()
	term := dialRaw(t, wd.termAdr, shopTID, shopMID, shopTMK, "003", "cups-ecb")
	if c := term.signOn(); c != "00" {
		t.Fatalf("sign-on: %s", c)
	}

	inq := code(t, "inquiry", term.send(term.inquiry(goodCard, goodExp, "123456"), true), "00")
	if b := inq.Get(54); len(b) != 20 || !strings.HasSuffix(b, "000003000000") {
		t.Fatalf("balance field 54 %q", b)
	}

	sale := term.sale(goodCard, goodExp, "123456", 1500)
	ans := code(t, "sale", term.send(sale.Clone(), true), "00")
	if len(ans.Get(37)) != 12 || len(ans.Get(38)) != 6 {
		t.Fatalf("approval lacks RRN/auth code: 37=%q 38=%q", ans.Get(37), ans.Get(38))
	}
	// Identical retransmission: same answer, one debit.
	again := code(t, "retransmission", term.send(sale.Clone(), true), "00")
	if again.Get(37) != ans.Get(37) || again.Get(38) != ans.Get(38) {
		t.Fatal("retransmission got a different answer")
	}
	if taken := wd.simnet.Net.Taken(goodCard.Reveal()); taken != 1500 {
		t.Fatalf("issuer took %d after a retransmitted sale, want 1500", taken)
	}
	// Same STAN, other content: 94.
	other := sale.Clone()
	other.Set(4, "000000002000")
	code(t, "same STAN other content", term.send(other, true), "94")

	code(t, "wrong PIN", term.send(term.sale(goodCard, goodExp, "654321", 100), true), "55")
	code(t, "insufficient funds", term.send(term.sale(lowCard, lowExp, "123456", 10000), true), "51")
	code(t, "expired card", term.send(term.sale(oldCard, oldExp, "123456", 100), true), "54")
	code(t, "lost card", term.send(term.sale(lostCard, lostExp, "123456", 100), true), "41")
	code(t, "over the per-transaction limit", term.send(term.sale(good2Card, good2Exp, "123456", 5000001), true), "61")

	// Bad MAC: A0 and processing requirement 3.
	bad := term.pack(term.sale(goodCard, goodExp, "123456", 100), true)
	bad[len(bad)-1] ^= 0x01
	code(t, "bad MAC", term.roundTrip(frame(bad)), "A0")
	if term.header[2]&0x0F != 3 {
		t.Fatalf("A0 answer header %X: processing requirement not 3", term.header)
	}

	// Void 00 then 12; a void with another amount 64.
	s2 := term.sale(good2Card, good2Exp, "123456", 2600)
	a2 := code(t, "sale to void", term.send(s2.Clone(), true), "00")
	code(t, "void amount mismatch", term.send(term.void(good2Card, good2Exp, s2, a2, 2700), true), "64")
	code(t, "void", term.send(term.void(good2Card, good2Exp, s2, a2, 2600), true), "00")
	code(t, "second void", term.send(term.void(good2Card, good2Exp, s2, a2, 2600), true), "12")

	// Same-day refund: 12 (void it instead).
	code(t, "same-day refund", term.send(term.refund(goodCard, goodExp, ans, 500), true), "12")

	// Reversal: approved original 00 (and the money comes back), unknown 00, amount mismatch 25.
	s3 := term.sale(goodCard, goodExp, "123456", 700)
	code(t, "sale to reverse", term.send(s3.Clone(), true), "00")
	code(t, "reversal amount mismatch", term.send(term.reversal(s3, 701, "98"), true), "25")
	s4 := term.sale(goodCard, goodExp, "123456", 800)
	code(t, "sale to reverse", term.send(s4.Clone(), true), "00")
	code(t, "reversal", term.send(term.reversal(s4, 800, "98"), true), "00")
	code(t, "reversal retransmitted", term.send(term.reversal(s4, 800, "98"), true), "00")
	unknown := term.sale(goodCard, goodExp, "123456", 900) // never sent
	code(t, "reversal of unknown", term.send(term.reversal(unknown, 900, "98"), true), "00")

	// Settlement needs a MAC (A0 without, and the batch stays open).
	code(t, "settlement without MAC", term.roundTrip(frame(term.pack(term.settle(posguard.BatchTotals{DomesticDebitAmount: 1, DomesticDebitCount: 1}), false))), "A0")
	// Settlement: unbalanced 2, then the batch is closed: old batch 77.
	st := code(t, "settlement", term.send(term.settle(posguard.BatchTotals{DomesticDebitAmount: 1, DomesticDebitCount: 1}), true), "00")
	if f48 := st.Get(48); len(f48) < 31 || f48[30] != '2' {
		t.Fatalf("unbalanced settlement field 48 %q", f48)
	}
	code(t, "old batch after settlement", term.send(term.sale(goodCard, goodExp, "123456", 100), true), "77")
	if term.header[2]&0x0F != 3 {
		t.Fatal("77 answer does not ask for a new sign-on")
	}
	// The next batch at once, balanced.
	term.batch = posguard.NextBatch(term.batch)
	code(t, "sale in next batch", term.send(term.sale(good2Card, good2Exp, "123456", 1000), true), "00")
	st = code(t, "balanced settlement", term.send(term.settle(posguard.BatchTotals{DomesticDebitAmount: 1000, DomesticDebitCount: 1}), true), "00")
	if f48 := st.Get(48); f48[30] != '1' {
		t.Fatalf("balanced settlement field 48 %q", f48)
	}
	term.batch = posguard.NextBatch(term.batch)

	// Merchant status: pending verification and frozen get 03 (sign-on allowed).
	for _, m := range []struct{ tid, mid, tmk string }{{kycTID, kycMID, kycTMK}, {frozTID, frozMID, frozTMK}} {
		tt := dialRaw(t, wd.termAdr, m.tid, m.mid, m.tmk, "003", "cups-ecb")
		if c := tt.signOn(); c != "00" {
			t.Fatalf("sign-on of %s: %s", m.tid, c)
		}
		code(t, "merchant "+m.mid, tt.send(tt.sale(goodCard, goodExp, "123456", 100), true), "03")
	}
	// The other key schemes and MAC algorithms: 004 with X9.19, 001 (single DES).
	for _, k := range []struct{ tid, tmk, scheme, mac string }{
		{"10000002", "F1A8390147B33AFE1D502317CF193BE2", "004", "x919"},
		{"10000003", "18C2BD236566736EE7BD44585BD32701", "001", "cups-ecb"},
	} {
		tt := dialRaw(t, wd.termAdr, k.tid, shopMID, k.tmk, k.scheme, k.mac)
		if c := tt.signOn(); c != "00" {
			t.Fatalf("sign-on of %s (scheme %s): %s", k.tid, k.scheme, c)
		}
		code(t, "sale on "+k.tid+" ("+k.scheme+", "+k.mac+")", tt.send(tt.sale(good2Card, good2Exp, "123456", 300), true), "00")
	}
	// Unknown terminal: 97 on sign-on.
	un := dialRaw(t, wd.termAdr, "99999999", shopMID, shopTMK, "003", "cups-ecb")
	if c := un.signOn(); c != "97" {
		t.Fatalf("unknown terminal sign-on: %s, want 97", c)
	}

	// Malformed frames: a bad BCD digit in field 4 gets 30 and the
	// connection stays open; garbage without a readable MTI closes it; the
	// host keeps serving.
	mal := term.pack(term.sale(goodCard, goodExp, "123456", 100), true)
	bodyIdx := bytesIndex(mal, []byte{0x00, 0x00, 0x00, 0x00, 0x01, 0x00}) // field 4 = 000000000100
	if bodyIdx < 0 {
		t.Fatal("cannot find field 4 in the packed sale")
	}
	mal[bodyIdx] = 0xAB
	code(t, "bad BCD", term.roundTrip(frame(mal)), "30")
	garbage := dialRaw(t, wd.termAdr, shopTID, shopMID, shopTMK, "003", "cups-ecb")
	if a := garbage.roundTrip([]byte{0x00, 0x05, 0x60, 0x01, 0x02, 0x03, 0x04}); a != nil {
		t.Fatalf("garbage answered %s", a.MTI)
	}
	code(t, "after malformed frames", term.send(term.sale(good2Card, good2Exp, "123456", 100), true), "00")

	// The API explains a transaction without a full PAN.
	req, _ := http.NewRequest("GET", "http://"+wd.httpAdr+"/v1/transactions?terminal="+shopTID+"&limit=200", nil)
	req.Header.Set("Authorization", "Bearer "+wd.userToken("li.ops", posguard.RoleOperator, ""))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var list struct {
		Transactions []map[string]any `json:"transactions"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if len(list.Transactions) < 10 {
		t.Fatalf("API lists %d transactions", len(list.Transactions))
	}
	if s := fmt.Sprint(list.Transactions); strings.Contains(s, goodCard.Reveal()) || strings.Contains(s, good2Card.Reveal()) {
		t.Fatal("API output holds a full PAN")
	}

	wd.checkMoney(ctx)
	all, err := wd.serve.store.List(ctx, posguard.TxnFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, tx := range all {
		if !explained(tx) {
			t.Errorf("transaction %d (%s, %s, code %s) has no known cause: reason %q", tx.ID, tx.Type, tx.State, tx.ResponseCode, tx.Reason)
		}
	}
	if strings.Contains(wd.logs.String(), goodCard.Reveal()) {
		t.Fatal("a log line holds a full PAN")
	}
}

func bytesIndex(b, sub []byte) int {
	for i := 0; i+len(sub) <= len(b); i++ {
		if string(b[i:i+len(sub)]) == string(sub) {
			return i
		}
	}
	return -1
}
