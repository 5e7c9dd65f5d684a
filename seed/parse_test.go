package seed

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	posguard "github.com/posguard/posguard"
)

// small is a valid world used as the base of the error cases.
const small = `acquirer:
  id: "48021000"
  zone_pin_key: "0123456789ABCDEF0123456789ABCDEF"
fee_plans:
  - name: standard
    rates: { credit: "0.60%", debit: "0.50%", debit_cap: 2000, qr: "0.38%" }
    d0: { enabled: true, min_amount: 1100, window: "00:00-23:00", extra: "0.10%" }
merchants:
  - id: "898310048990001"
    name: "示例便利店"
    mcc: "5411"
    status: pending_kyc
    status_since: 2026-11-20
    kind: enterprise
    fee_plan: standard
    limits: { per_txn: 5000000, daily: 50000000, daily_count: 300 }
    allowed_types: [sale, void]
    settlement_account: { bank: ICBC, number: "6222020000000000001", name: "示例便利店" }
terminals:
  - id: "10000001"
    merchant: "898310048990001"
    tmk: "11111111111111112222222222222222"
    key_scheme: "003"
    model: NEW8210
    firmware: "2.3.1"
    status: active
  - id: "10000002"
    merchant: "898310048990001"
    tmk: "33333333333333334444444444444444"
    key_scheme: 001
    mac: x919
    status: disabled
cards:
  - pan: "6225880000000019"
    expiry: "2812"
    pin: "123456"
    kind: debit
    balance: 10000000
    status: active
`

func TestParseSmall(t *testing.T) {
	w, err := Parse([]byte(small), "world.yaml")
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if w.Acquirer.ID != "48021000" || len(w.Acquirer.ZonePINKey) != 16 || w.Acquirer.ZonePINKey[0] != 0x01 {
		t.Errorf("acquirer = %+v", w.Acquirer)
	}
	fp, ok := w.FeePlan("standard")
	want := posguard.FeePlan{Name: "standard", CreditRate: 6000, DebitRate: 5000, QRRate: 3800, DebitCap: 2000,
		D0: posguard.D0Rule{Enabled: true, MinAmount: 1100, Window: "00:00-23:00", Extra: 1000}}
	if !ok || fp != want {
		t.Errorf("fee plan = %+v, want %+v", fp, want)
	}
	m := w.Merchant("898310048990001")
	if m == nil {
		t.Fatal("merchant missing")
	}
	if m.Status != posguard.MerchantPendingKYC || !m.StatusSince.Equal(time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("status %q since %v", m.Status, m.StatusSince)
	}
	if m.Limits != (posguard.Limits{PerTxn: 5000000, Daily: 50000000, DailyCount: 300}) {
		t.Errorf("limits = %+v", m.Limits)
	}
	if !m.Allows(posguard.TxnVoid) || m.Allows(posguard.TxnRefund) {
		t.Errorf("allowed types = %v", m.AllowedTypes)
	}
	if m.Account.Status != "ok" || m.Account.Bank != "ICBC" {
		t.Errorf("account = %+v (status defaults to ok)", m.Account)
	}
	t1, t2 := w.Terminal("10000001"), w.Terminal("10000002")
	if t1 == nil || t2 == nil {
		t.Fatal("terminal missing")
	}
	if t1.MAC != posguard.MACCupsECB || len(t1.TMK) != 16 || t1.TMK[0] != 0x11 || t1.TMK[15] != 0x22 {
		t.Errorf("terminal 1 = %+v (mac defaults to cups-ecb)", t1)
	}
	if t2.KeyScheme != "001" || t2.MAC != posguard.MACX919 || t2.Status != posguard.TerminalDisabled {
		t.Errorf("terminal 2 = %+v (an unquoted 001 must stay \"001\")", t2)
	}
	c, ok := w.Card("6225880000000019")
	if !ok || c.Expiry != "2812" || c.PIN != "123456" || c.Kind != posguard.CardDebit || c.Balance != 10000000 || c.Status != posguard.CardActive {
		t.Errorf("card = %+v", c)
	}
}

// TestParseJSON feeds the same world as JSON (tab-indented, as encoders
// write it) and expects the same result.
func TestParseJSON(t *testing.T) {
	var generic any
	// YAML reads an unquoted 001 as the number 1; JSON has no such form.
	quoted := strings.Replace(small, "key_scheme: 001", `key_scheme: "001"`, 1)
	if err := yaml.Unmarshal([]byte(quoted), &generic); err != nil {
		t.Fatal(err)
	}
	js, err := json.MarshalIndent(jsonable(generic), "", "\t")
	if err != nil {
		t.Fatal(err)
	}
	fromJSON, err := Parse(js, "world.json")
	if err != nil {
		t.Fatalf("Parse(JSON): %v\n%s", err, js)
	}
	fromYAML, err := Parse([]byte(small), "world.yaml")
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(fromJSON)
	b, _ := json.Marshal(fromYAML)
	if string(a) != string(b) {
		t.Errorf("JSON world differs from YAML world:\n%s\n%s", a, b)
	}

	// A JSON error names the JSON line.
	bad := strings.Replace(string(js), "11111111111111112222222222222222", "1111", 1)
	_, err = Parse([]byte(bad), "world.json")
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Path != "terminals[0].tmk" || pe.Line != lineOf(bad, "\"1111\"") {
		t.Errorf("err = %v, want terminals[0].tmk at line %d", err, lineOf(bad, "\"1111\""))
	}
}

// jsonable turns YAML's decoded maps into ones encoding/json accepts, and
// times back into the text they were written as.
func jsonable(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = jsonable(e)
		}
	case []any:
		for i, e := range x {
			x[i] = jsonable(e)
		}
	case time.Time:
		return x.Format(time.DateOnly)
	}
	return v
}

func lineOf(text, needle string) int {
	i := strings.Index(text, needle)
	if i < 0 {
		return -1
	}
	return strings.Count(text[:i], "\n") + 1
}

func TestParseDemoWorld(t *testing.T) {
	w, err := ParseFile("demo-world.yaml")
	if err != nil {
		t.Fatalf("demo world: %v", err)
	}
	if len(w.FeePlans) != 2 || len(w.Merchants) < 6 || len(w.Terminals) < 12 || len(w.Cards) < 40 {
		t.Errorf("demo world has %d plans, %d merchants, %d terminals, %d cards",
			len(w.FeePlans), len(w.Merchants), len(w.Terminals), len(w.Cards))
	}
	statuses := map[posguard.MerchantStatus]int{}
	refundExcluded := false
	for _, m := range w.Merchants {
		statuses[m.Status]++
		if len(m.AllowedTypes) > 0 && !m.Allows(posguard.TxnRefund) {
			refundExcluded = true
		}
		if m.Status == posguard.MerchantPendingKYC && m.StatusSince.IsZero() {
			t.Errorf("merchant %s pending KYC without status_since", m.ID)
		}
	}
	if statuses[posguard.MerchantActive] < 3 || statuses[posguard.MerchantPendingKYC] != 1 ||
		statuses[posguard.MerchantFrozen] != 1 || statuses[posguard.MerchantClosed] != 1 || !refundExcluded {
		t.Errorf("merchant mix %v, refund excluded somewhere: %v", statuses, refundExcluded)
	}
	schemes, macs, disabled := map[string]bool{}, map[string]bool{}, 0
	for _, term := range w.Terminals {
		schemes[term.KeyScheme] = true
		macs[term.MAC] = true
		if term.Status == posguard.TerminalDisabled {
			disabled++
		}
	}
	if len(schemes) != 3 || !macs[posguard.MACX919] || disabled != 1 {
		t.Errorf("terminal mix: schemes %v macs %v disabled %d", schemes, macs, disabled)
	}
	bins, cardStatus, pastExpiry := map[string]bool{}, map[posguard.CardStatus]int{}, 0
	for _, c := range w.Cards {
		bins[c.PAN.BIN()] = true
		cardStatus[c.Status]++
		if c.PIN != "123456" {
			t.Errorf("card %s: PIN is not the documented 123456", c.PAN)
		}
		if c.Expiry < "2611" {
			pastExpiry++
		}
	}
	for _, b := range []string{"622588", "622202", "621700", "438088"} {
		if !bins[b] {
			t.Errorf("no card with BIN %s", b)
		}
	}
	for _, s := range []posguard.CardStatus{posguard.CardActive, posguard.CardLost, posguard.CardStolen,
		posguard.CardFrozen, posguard.CardExpired, posguard.CardDormant} {
		if cardStatus[s] == 0 {
			t.Errorf("no card with status %s", s)
		}
	}
	if pastExpiry < 2 {
		t.Errorf("%d cards with an expiry in the past, want at least 2", pastExpiry)
	}
}

func TestParseFileMissing(t *testing.T) {
	_, err := ParseFile("testdata/no-such-file.yaml")
	if posguard.ErrorCode(err) != posguard.EINVALID {
		t.Errorf("err = %v (code %q), want EINVALID", err, posguard.ErrorCode(err))
	}
}

func TestParseErrorIsInvalid(t *testing.T) {
	_, err := Parse([]byte("merchants: 3\n"), "w.yaml")
	if posguard.ErrorCode(err) != posguard.EINVALID {
		t.Fatalf("code = %q, want EINVALID (err %v)", posguard.ErrorCode(err), err)
	}
	if got := posguard.ErrorMessage(err); got != "w.yaml:1: merchants: want a list" {
		t.Errorf("message = %q", got)
	}
}
