package posguard_test

import (
	"testing"

	"github.com/posguard/posguard"
)

func TestMaskCardNumbers(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"card 6225880012345678 declined", "card 622588******5678 declined"},
		{"4111111111111111", "411111******1111"},
		{"merchant 898310048990001 not found", "merchant 898310048990001 not found"}, // 15 digits, fails Luhn: a merchant number
		{"amex 378282246310005", "amex 378282*****0005"},                             // 15 digits passing Luhn: a card
		{"payout PO-T1-2026-03-01-M00000000000001-1", "payout PO-T1-2026-03-01-M00000000000001-1"},
		{"x6225880012345678", "x622588******5678"}, // 16 digits: a card even after a letter
		{"stan 000123 rrn 000000100123", "stan 000123 rrn 000000100123"},
		{"6222021234567890123x", "622202*********0123x"},
		{"", ""},
	} {
		if got := posguard.MaskCardNumbers(c.in); got != c.want {
			t.Errorf("MaskCardNumbers(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func FuzzMaskCardNumbers(f *testing.F) {
	f.Add("card 6225880012345678 and merchant 898310048990001")
	f.Fuzz(func(t *testing.T, s string) {
		out := posguard.MaskCardNumbers(s)
		if len(out) != len(s) {
			t.Fatalf("length changed: %q -> %q", s, out)
		}
	})
}
