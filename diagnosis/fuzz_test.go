package diagnosis

import (
	"strings"
	"testing"
)

// FuzzExplain checks that no code, reason or evidence makes Explain panic,
// that it always returns a sentence in both languages, and that a long run
// of digits in the evidence (a possible card number) never comes out whole.
func FuzzExplain(f *testing.F) {
	f.Add("03", "merchant.kyc_pending", "status_since", "2026-11-20")
	f.Add("61", "limit.per_txn", "limit", "5000000")
	f.Add("", "issuer.51", "amount", "-1")
	f.Add("zz", "issuer.", "value", "99999999999999999999")
	f.Add("97", "terminal.unknown", "terminal", "6225880000000019")
	f.Add("", "", "", "")
	f.Fuzz(func(t *testing.T, code, reason, key, value string) {
		detail := map[string]string{key: value, "value": value, "limit": value}
		x := Explain(code, reason, detail)
		if x.Summary.ZH == "" || x.Summary.EN == "" {
			t.Fatalf("empty summary for %q %q", code, reason)
		}
		if run := longDigits.FindString(value); run != "" && len(run) == len(value) {
			if strings.Contains(x.Summary.EN, run) || strings.Contains(x.Summary.ZH, run) {
				t.Fatalf("summary holds the digits of the evidence in clear: %q", x.Summary.EN)
			}
		}
	})
}

// FuzzChannelCodeIn: any text is read without a panic, and a code found is
// one of the table's.
func FuzzChannelCodeIn(f *testing.F) {
	for _, s := range []string{"micropay: USERPAYING", "refund: SYSTEMERROR", "", "___", "ORDERPAIDX ORDERPAID", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if e, ok := ChannelCodeIn(s); ok {
			if _, known := ChannelCode(e.Code); !known || !strings.Contains(s, e.Code) {
				t.Fatalf("%q: found %q", s, e.Code)
			}
		}
	})
}
