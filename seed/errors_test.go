package seed

import (
	"errors"
	"strings"
	"testing"
)

// TestParseRejects changes one thing in the valid small world and expects
// Parse to reject the file with a problem at the right line and field.
func TestParseRejects(t *testing.T) {
	tests := []struct {
		name      string
		old, new  string // replace old (first occurrence) by new in small
		line      int    // 0: the line of new's first line in the result
		path, msg string
	}{
		{"merchant id length", `id: "898310048990001"`, `id: "89831004899001"`, 0, "merchants[0].id", "want 15 letters or digits"},
		{"terminal id length", `id: "10000001"`, `id: "1000001"`, 0, "terminals[0].id", "want 8 letters or digits"},
		{"tmk short", `tmk: "11111111111111112222222222222222"`, `tmk: "1111111111111111222222222222222"`, 0, "terminals[0].tmk", "want 32 hex digits"},
		{"tmk not hex", `tmk: "11111111111111112222222222222222"`, `tmk: "1111111111111111222222222222222G"`, 0, "terminals[0].tmk", "want 32 hex digits"},
		{"zone key", `zone_pin_key: "0123456789ABCDEF0123456789ABCDEF"`, `zone_pin_key: "0123"`, 0, "acquirer.zone_pin_key", "want 32 hex digits"},
		{"acquirer id", `id: "48021000"`, `id: "4802A"`, 0, "acquirer.id", "want 1 to 11 digits"},
		{"key scheme", `key_scheme: "003"`, `key_scheme: "002"`, 0, "terminals[0].key_scheme", `got "002"`},
		{"mac", `mac: x919`, `mac: x99`, 0, "terminals[1].mac", "want cups-ecb or x919"},
		{"terminal status", "status: disabled", "status: broken", 0, "terminals[1].status", "want active or disabled"},
		{"merchant status", "status: pending_kyc", "status: kyc", 0, "merchants[0].status", "want active, pending_kyc"},
		{"unknown merchant", `merchant: "898310048990001"`, `merchant: "898310048990009"`, 0, "terminals[0].merchant", "no merchant 898310*****0009"},
		{"unknown fee plan", "fee_plan: standard", "fee_plan: gold", 0, "merchants[0].fee_plan", `no fee plan "gold"`},
		{"status since", "status_since: 2026-11-20", "status_since: 20-11-2026", 0, "merchants[0].status_since", "want a date"},
		{"allowed type", "allowed_types: [sale, void]", "allowed_types: [sale, sign_on]", 0, "merchants[0].allowed_types[1]", "want one of"},
		{"allowed type twice", "allowed_types: [sale, void]", "allowed_types: [sale, sale]", 0, "merchants[0].allowed_types[1]", "sale listed twice"},
		{"negative limit", "per_txn: 5000000", "per_txn: -1", 0, "merchants[0].limits.per_txn", "must not be negative"},
		{"fractional limit", "per_txn: 5000000", "per_txn: 50000.5", 0, "merchants[0].limits.per_txn", "want a whole number"},
		{"mcc", `mcc: "5411"`, `mcc: "541"`, 0, "merchants[0].mcc", "want 4 digits"},
		{"kind", "kind: enterprise", "kind: huge", 0, "merchants[0].kind", "want enterprise, individual or small"},
		{"account status", "name: \"示例便利店\" }", "name: \"示例便利店\", status: gone }", 0, "merchants[0].settlement_account.status", "want ok, frozen"},
		{"rate without percent", `credit: "0.60%"`, `credit: "0.60"`, 0, "fee_plans[0].rates.credit", "want a percentage"},
		{"rate too precise", `credit: "0.60%"`, `credit: "0.60125%"`, 0, "fee_plans[0].rates.credit", "more than 4 decimals"},
		{"rate over 100", `credit: "0.60%"`, `credit: "100.01%"`, 0, "fee_plans[0].rates.credit", "over 100%"},
		{"d0 window", `window: "00:00-23:00"`, `window: "0:00-24:00"`, 0, "fee_plans[0].d0.window", "want HH:MM-HH:MM"},
		{"d0 enabled", "enabled: true", "enabled: sometimes", 0, "fee_plans[0].d0.enabled", "want true or false"},
		{"pan luhn", `pan: "6225880000000019"`, `pan: "6225880000000018"`, 0, "cards[0].pan", "622588******0018: check digit fails the Luhn test"},
		{"pan short", `pan: "6225880000000019"`, `pan: "62258800019"`, 0, "cards[0].pan", "want 12 to 19 digits"},
		{"pan letters", `pan: "6225880000000019"`, `pan: "62258800000000A9"`, 0, "cards[0].pan", "want 12 to 19 digits"},
		{"expiry month", `expiry: "2812"`, `expiry: "2813"`, 0, "cards[0].expiry", "want YYMM"},
		{"pin short", `pin: "123456"`, `pin: "123"`, 0, "cards[0].pin", "want 4 to 12 digits"},
		{"negative balance", "balance: 10000000", "balance: -5", 0, "cards[0].balance", "must not be negative"},
		{"card kind", "kind: debit", "kind: prepaid", 0, "cards[0].kind", "want debit or credit"},
		{"unknown top key", "cards:\n", "card:\n", 0, "card", "unknown key"},
		{"unknown merchant key", `    mcc: "5411"`, `    mcc: "5411"` + "\n    fee_plna: standard", 2, "merchants[0].fee_plna", "unknown key"},
		{"repeated key", `    mcc: "5411"`, `    mcc: "5411"` + "\n    mcc: \"5412\"", 2, "merchants[0].mcc", "key repeated (first at line"},
		{"missing tmk", `    tmk: "11111111111111112222222222222222"` + "\n", "", -1, "terminals[0].tmk", "missing"},
		{"null name", `name: "示例便利店"`, `name: null`, 0, "merchants[0].name", "missing"},
		{"merchant not a mapping", "  - id: \"898310048990001\"\n    name", "  - \"898310048990001\"\n  - name", 0, "merchants[0]", "want a mapping"},
		{"second document", "cards:\n", "---\ncards:\n", 0, "", "more than one YAML document"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(small, tt.old) {
				t.Fatalf("test setup: %q not in small", tt.old)
			}
			text := strings.Replace(small, tt.old, tt.new, 1)
			line := tt.line
			switch {
			case line == 0:
				line = lineOf(text, tt.new)
			case line > 0:
				line = lineOf(text, tt.new) + line - 1
			default: // a missing key is reported at its mapping's first key
				line = lineOf(small, tt.old) - 2
			}
			w, err := Parse([]byte(text), "world.yaml")
			if err == nil {
				t.Fatalf("Parse accepted the file: %+v", w)
			}
			if w != nil {
				t.Errorf("Parse returned a World with an error")
			}
			var list ParseErrors
			if !errors.As(err, &list) || len(list) == 0 {
				t.Fatalf("err = %T %v, want ParseErrors", err, err)
			}
			first := list[0]
			want := "world.yaml:" + itoa(line) + ": " + tt.path
			if tt.path == "" {
				want = "world.yaml:" + itoa(line) + ": "
			}
			if !strings.HasPrefix(first.Error(), want) || !strings.Contains(first.Msg, tt.msg) {
				t.Errorf("first problem = %q, want prefix %q and %q in the message", first.Error(), want, tt.msg)
			}
			if strings.Contains(err.Error(), "6225880000000018") || strings.Contains(err.Error(), `"123"`) {
				t.Errorf("problem text leaks card data: %q", err.Error())
			}
		})
	}
}

func TestParseCardStatus(t *testing.T) {
	// The card's status is the file's last line.
	text := strings.TrimSuffix(small, "    status: active\n") + "    status: blocked\n"
	_, err := Parse([]byte(text), "w.yaml")
	want := "w.yaml:" + itoa(lineOf(text, "status: blocked")) + ": cards[0].status: want active, lost"
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("err = %v, want %q", err, want)
	}
}

// TestParseAllProblems checks that every problem of a file is reported, in
// line order, and that duplicates are caught.
func TestParseAllProblems(t *testing.T) {
	text := small + `  - pan: "6225880000000019"
    expiry: "2812"
    pin: "123456"
    kind: debit
    status: active
`
	text = strings.Replace(text, `mcc: "5411"`, `mcc: "54"`, 1)
	text = strings.Replace(text, `tmk: "33333333333333334444444444444444"`, `tmk: "33"`, 1)
	text = strings.Replace(text, `id: "10000002"`, `id: "10000001"`, 1)
	_, err := Parse([]byte(text), "w.yaml")
	var list ParseErrors
	if !errors.As(err, &list) {
		t.Fatalf("err = %v", err)
	}
	var got []string
	for _, e := range list {
		got = append(got, e.Path+" "+itoa(e.Line))
	}
	want := []string{
		"merchants[0].mcc " + itoa(lineOf(text, `mcc: "54"`)),
		"terminals[1].id " + itoa(lineOf(text, `tmk: "33"`)-2),
		"terminals[1].tmk " + itoa(lineOf(text, `tmk: "33"`)),
		"cards[1].pan " + itoa(strings.Count(small, "\n")+1),
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("problems = %q, want %q\n%v", got, want, err)
	}
	// terminals[1] has a bad TMK and also repeats terminals[0]'s ID: both
	// are reported.
	if !strings.Contains(err.Error(), "card 622588******0019 defined twice") {
		t.Errorf("duplicate card not reported with a masked PAN: %v", err)
	}
}

func TestParseDuplicates(t *testing.T) {
	tests := []struct{ name, from, to, want string }{
		{"merchant", "merchants:\n", "terminals:\n", "merchant 898310*****0001 defined twice"},
		{"terminal", "terminals:\n", `  - id: "10000002"`, "terminal 10000001 defined twice"},
		{"fee plan", "fee_plans:\n", "merchants:\n", `fee plan "standard" defined twice`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Repeat the section's first entry right after itself.
			i := strings.Index(small, tt.from) + len(tt.from)
			j := strings.Index(small, tt.to)
			text := small[:j] + small[i:j] + small[j:]
			_, err := Parse([]byte(text), "w.yaml")
			var list ParseErrors
			if !errors.As(err, &list) || len(list) != 1 || !strings.Contains(list[0].Msg, tt.want) {
				t.Errorf("err = %v, want only %q", err, tt.want)
			}
		})
	}
}

func TestParseMalformed(t *testing.T) {
	tests := []struct{ name, text, want string }{
		{"empty", "  \n", "w.yaml: file is empty"},
		{"not yaml", "merchants: [\n", "w.yaml: malformed YAML: "},
		{"top level list", "- 1\n", "w.yaml:1: want a mapping"},
		{"nul byte", "a: \x00", "w.yaml: file holds a NUL byte"},
		{"alias bomb", aliasBomb(), "more than 1000 alias references"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.text), "w.yaml")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

// aliasBomb builds a file that names one sequence many times over.
func aliasBomb() string {
	var b strings.Builder
	b.WriteString("fee_plans: &a []\nmerchants:\n")
	for i := 0; i < 1100; i++ {
		b.WriteString("  - id: *a\n")
	}
	return b.String()
}

func TestParseAliases(t *testing.T) {
	text := strings.Replace(small, "limits: { per_txn: 5000000, daily: 50000000, daily_count: 300 }",
		"limits: &lim { per_txn: 5000000, daily: 50000000, daily_count: 300 }", 1)
	w, err := Parse([]byte(text), "w.yaml")
	if err != nil || w.Merchants[0].Limits.PerTxn != 5000000 {
		t.Fatalf("anchor: %v", err)
	}
}

func itoa(n int) string {
	if n < 0 {
		return "-" + itoa(-n)
	}
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}
