package main

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/iso8583"
	"github.com/posguard/posguard/simnet"
)

// icSale is a chip sale (22 051, 23 001) whose field 55 carries the card's
// ARQC.
func (r *rawTerm) icSale(pan posguard.PAN, expiry, pin string, amount posguard.Amount, arqc []byte) *iso8583.Message {
	m := r.sale(pan, expiry, pin, amount)
	m.Set(22, "051")
	m.Set(23, "001")
	m.SetBytes(55, iso8583.AppendTLV(nil,
		iso8583.TLV{Tag: 0x9F26, Value: arqc},
		iso8583.TLV{Tag: 0x9F27, Value: []byte{0x80}},
		iso8583.TLV{Tag: 0x9F36, Value: []byte{0x00, 0x2A}},
		iso8583.TLV{Tag: 0x9F02, Value: []byte{0, 0, 0, 0, 0x12, 0x34}},
		iso8583.TLV{Tag: 0x5F2A, Value: []byte{0x01, 0x56}},
	))
	return m
}

// issuerData checks field 55 of an answer: 91 = the issuer's ARPC for arqc
// and code followed by the code, 8A = code, an issuer script on approvals,
// and nothing else (no card data).
func issuerData(t *testing.T, what string, a *iso8583.Message, arqc []byte, code string) {
	t.Helper()
	if !a.Has(55) {
		t.Fatalf("%s: answer without field 55", what)
	}
	items, err := iso8583.ParseTLV(a.GetBytes(55))
	if err != nil {
		t.Fatalf("%s: field 55 does not parse: %v", what, err)
	}
	seen := map[uint32]iso8583.TLV{}
	for _, x := range items {
		switch x.Tag {
		case 0x91, 0x8A, 0x71, 0x72:
			seen[x.Tag] = x
		default:
			t.Fatalf("%s: field 55 carries tag %X", what, x.Tag)
		}
	}
	want91 := append(simnet.ARPC(arqc, code), code...)
	if !bytes.Equal(seen[0x91].Value, want91) {
		t.Fatalf("%s: 91 = % X, want % X", what, seen[0x91].Value, want91)
	}
	if string(seen[0x8A].Value) != code {
		t.Fatalf("%s: 8A = %q, want %q", what, seen[0x8A].Value, code)
	}
	if _, ok := seen[0x72]; ok != (code == "00") {
		t.Fatalf("%s: issuer script present %v", what, ok)
	}
}

// TestICAnswerData runs IC sales over real TCP through the host and
// simnet: the issuer's answer data comes back in field 55 (approved and
// declined, and again on a retransmission), and an IC card that declines
// after the online approval (terminal 0400 with 39 = 06) is reversed.
func TestICAnswerData(t *testing.T) {
	wd := startWorld(t, "", 5*time.Second)
	ctx := context.Background()
	term := dialRaw(t, wd.termAdr, shopTID, shopMID, shopTMK, "003", "cups-ecb")
	if c := term.signOn(); c != "00" {
		t.Fatalf("sign-on: %s", c)
	}
	arqc := []byte{0x1A, 0x2B, 0x3C, 0x4D, 0x5E, 0x6F, 0x70, 0x81}
	sale := term.icSale(goodCard, goodExp, "123456", 4200, arqc)
	a := code(t, "IC sale", term.send(sale.Clone(), true), "00")
	issuerData(t, "IC sale", a, arqc, "00")
	again := code(t, "IC sale retransmitted", term.send(sale.Clone(), true), "00")
	if !bytes.Equal(again.GetBytes(55), a.GetBytes(55)) {
		t.Fatal("retransmission got other field 55")
	}
	declined := code(t, "IC sale wrong PIN", term.send(term.icSale(goodCard, goodExp, "000000", 100, arqc), true), "55")
	issuerData(t, "IC decline", declined, arqc, "55")
	// A swiped sale gets no field 55.
	if sw := code(t, "swiped sale", term.send(term.sale(goodCard, goodExp, "123456", 100), true), "00"); sw.Has(55) {
		t.Fatal("swiped sale answered with field 55")
	}

	// The card declines after the online approval: the terminal reverses
	// with 06, the host answers 00 and the money goes back.
	before := wd.simnet.Net.Taken(goodCard.Reveal())
	s2 := term.icSale(goodCard, goodExp, "123456", 3100, arqc)
	issuerData(t, "IC sale 2", code(t, "IC sale 2", term.send(s2.Clone(), true), "00"), arqc, "00")
	rev := term.reversal(s2, 3100, "06")
	rev.SetBytes(55, iso8583.AppendTLV(nil, iso8583.TLV{Tag: 0x95, Value: []byte{0, 0, 0, 0, 0x40}}, iso8583.TLV{Tag: 0xDF31, Value: []byte{0x20, 0, 0, 0, 1}}))
	code(t, "reversal: card declined after approval", term.send(rev, true), "00")
	waitState(t, wd, s2, "0200", posguard.StateReversed)
	if got := wd.simnet.Net.Taken(goodCard.Reveal()); got != before {
		t.Fatalf("after the reversal the issuer took %d, want %d", got, before)
	}
	x, err := wd.serve.store.ByKey(ctx, posguard.TxnKey{TerminalID: shopTID, Batch: term.batch, STAN: s2.Get(11), MTI: "0200"})
	if err != nil || x.Detail["terminal_reversal"] != "06" {
		t.Fatalf("reversed IC sale: %v %v", x, err)
	}
	wd.checkMoney(ctx)
}
