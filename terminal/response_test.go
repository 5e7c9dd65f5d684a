package terminal

import (
	"bytes"
	"testing"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/keys"
)

func TestBuildResponseSale(t *testing.T) {
	req, reqMsg, err := DecodeRequest(parseBody(t, saleBody))
	if err != nil {
		t.Fatal(err)
	}
	resp := &posguard.TerminalResponse{Answer: posguard.Answer{
		Code: "00", RRN: "112312000001", AuthCode: "A1B2C3", LocalTime: "120000", LocalDate: "1123",
		SettleDate: "1123", AddlResponse: "0104000000048021000  ", CardOrg: "CUP", AcquirerID: "48021000",
	}}
	m := BuildResponse(req, reqMsg, resp)
	if m.MTI != "0210" {
		t.Errorf("MTI = %s", m.MTI)
	}
	want := map[int]string{
		3: "000000", 4: "000000010000", 11: "000002", 12: "120000", 13: "1123", 15: "1123", 22: "021", 25: "00",
		32: "48021000", 37: "112312000001", 38: "A1B2C3", 39: "00", 41: "10000001", 42: "898310048990001",
		44: "0104000000048021000  ", 49: "156", 60: "22000001000", 63: "CUP",
	}
	for n, v := range want {
		if got := m.Get(n); got != v {
			t.Errorf("field %d = %q, want %q", n, got, v)
		}
	}
	// Card and security fields of the request are not echoed; 2/14 absent
	// in this request stay absent.
	for _, n := range []int{2, 14, 26, 35, 52, 53, 64} {
		if m.Has(n) {
			t.Errorf("field %d echoed", n)
		}
	}
	if _, err := CUPS.Pack(m); err != nil {
		t.Errorf("response does not pack: %v", err)
	}
}

func TestBuildResponseEchoesPANWhenPresent(t *testing.T) {
	req, reqMsg, err := DecodeRequest(parseBody(t, voidBody))
	if err != nil {
		t.Fatal(err)
	}
	m := BuildResponse(req, reqMsg, &posguard.TerminalResponse{Answer: posguard.Answer{Code: "00"}})
	if m.Get(2) != "622588000000001" || m.Get(14) != "2812" || m.Has(61) || m.Has(37) {
		t.Errorf("void answer fields %v", m.Fields())
	}
}

func TestBuildResponseSignOn(t *testing.T) {
	req, reqMsg, err := DecodeRequest(parseBody(t, signOnBody))
	if err != nil {
		t.Fatal(err)
	}
	tmk := bytes.Repeat([]byte{0x1F}, 16)
	wk, err := keys.GenerateWorkingKeys(posguard.KeyScheme003)
	if err != nil {
		t.Fatal(err)
	}
	term := &posguard.Terminal{ID: "10000001", TMK: tmk, KeyScheme: posguard.KeyScheme003, Keys: wk}
	resp := &posguard.TerminalResponse{
		Answer: posguard.Answer{Code: "00", RRN: "112312000002", LocalTime: "120001", LocalDate: "1123", AcquirerID: "48021000",
			AuthCode: "ignored", CardOrg: "CUP", SettleDate: "1123"},
		Batch:       "000007",
		DeliverKeys: true,
		Terminal:    term,
	}
	m := BuildResponse(req, reqMsg, resp)
	if m.MTI != "0810" {
		t.Errorf("MTI = %s", m.MTI)
	}
	if got, want := m.Fields(), []int{11, 12, 13, 32, 37, 39, 41, 42, 60, 62}; !equal(got, want) {
		t.Errorf("0810 fields = %v, want %v", got, want)
	}
	if m.Get(60) != "00000007003" {
		t.Errorf("60 = %q, want the host batch in 60.2", m.Get(60))
	}
	got, err := DecodeField62(tmk, posguard.KeyScheme003, m.GetBytes(62))
	if err != nil || !bytes.Equal(got.MAK, wk.MAK) || !bytes.Equal(got.PIK, wk.PIK) {
		t.Errorf("62 does not deliver the keys: %v", err)
	}
	// A terminal master key the gateway cannot use: no keys, a host fault.
	resp.Terminal = &posguard.Terminal{ID: "10000001", TMK: tmk[:8], KeyScheme: posguard.KeyScheme003, Keys: wk}
	m = BuildResponse(req, reqMsg, resp)
	if m.Has(62) || m.Get(39) != "96" {
		t.Errorf("bad TMK: 62 present %v, 39 %q", m.Has(62), m.Get(39))
	}
}

func TestBuildResponseSettlement(t *testing.T) {
	req, reqMsg, err := DecodeRequest(parseBody(t, settleBody))
	if err != nil {
		t.Fatal(err)
	}
	totals := Settlement{Totals: posguard.BatchTotals{DomesticDebitAmount: 10000, DomesticDebitCount: 1},
		DomesticResult: ResultBalanced, ForeignResult: ResultBalanced}.String()
	m := BuildResponse(req, reqMsg, &posguard.TerminalResponse{Answer: posguard.Answer{
		Code: "00", RRN: "112312000003", LocalTime: "230000", LocalDate: "1123", SettleDate: "1123", Totals: totals}})
	if m.MTI != "0510" || m.Get(48) != totals || m.Get(60) != "00000001201" {
		t.Errorf("0510 = %s 48 %q 60 %q", m.MTI, m.Get(48), m.Get(60))
	}
	if got, want := m.Fields(), []int{11, 12, 13, 15, 37, 39, 41, 42, 48, 49, 60}; !equal(got, want) {
		t.Errorf("0510 fields = %v, want %v", got, want)
	}
	// The switch answers with a SettlementResult; the gateway writes it.
	if req.SettleTotals != (posguard.BatchTotals{DomesticDebitAmount: 10000, DomesticDebitCount: 1}) {
		t.Fatalf("request totals parsed as %+v", req.SettleTotals)
	}
	res := &posguard.SettlementResult{Totals: req.SettleTotals, DomesticBalanced: false, ForeignBalanced: true}
	m = BuildResponse(req, reqMsg, &posguard.TerminalResponse{Answer: posguard.Answer{Code: "00", Settlement: res}})
	want := "000000010000001000000000000000" + "2" + "000000000000000000000000000000" + "1"
	if m.Get(48) != want {
		t.Errorf("48 from a SettlementResult = %q, want %q", m.Get(48), want)
	}
}

func TestSignResponseAndMACInput(t *testing.T) {
	mak := bytes.Repeat([]byte{0x11, 0x22}, 8)
	mac := func(data []byte) ([]byte, error) { return keys.MAC(posguard.MACCupsECB, mak, data) }

	// A request signed as the terminal signs it: DecodeRequest's MACData is
	// what the MAC covers.
	m := base("0200", "000000", "00", "22000001000")
	packed, err := SignResponse(m, mac)
	if err != nil {
		t.Fatal(err)
	}
	req, _, err := DecodeRequest(&Frame{Body: packed})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(req.MACData, MACInput(packed)) || !keys.VerifyMAC(posguard.MACCupsECB, mak, req.MACData, req.MAC) {
		t.Error("MAC over MACData does not verify")
	}
	if !bytes.Equal(m.GetBytes(64), req.MAC) {
		t.Error("SignResponse did not set 64 in the message")
	}
	// A changed byte fails verification.
	tampered := append([]byte(nil), packed...)
	tampered[12] ^= 1
	if keys.VerifyMAC(posguard.MACCupsECB, mak, MACInput(tampered), tampered[len(tampered)-8:]) {
		t.Error("tampered message verifies")
	}

	// Without 64 the whole message is the input.
	m.Unset(64)
	plain, err := CUPS.Pack(m)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(MACInput(plain), plain) {
		t.Error("MACInput cut a message without 64")
	}
	if MACInput(plain[:5]) != nil {
		t.Error("MACInput of a fragment")
	}
	SetMAC(m, []byte("12345678"))
	if m.Get(64) != "12345678" {
		t.Error("SetMAC")
	}
}

func TestResponseMTI(t *testing.T) {
	for in, want := range map[string]string{"0200": "0210", "0800": "0810", "0400": "0410", "0500": "0510", "0320": "0330", "0210": "", "02": "", "02A0": ""} {
		if got := ResponseMTI(in); got != want {
			t.Errorf("ResponseMTI(%q) = %q, want %q", in, got, want)
		}
	}
}

func equal(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
