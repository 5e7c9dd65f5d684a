package posguard_test

import (
	"strings"
	"testing"

	"github.com/posguard/posguard"
)

func TestMaskFreeText(t *testing.T) {
	for in, want := range map[string]string{
		"card 6222020000000015 declined":         "card 622202******0015 declined",
		"6222 0200 0000 0015":                    "6222 02** **** 0015",
		"6222-0200-0000-0015.":                   "6222-02**-****-0015.",
		"two: 6222020000000015 6225880000000019": "two: 622202******0015 622588******0019",
		"4111111111111111":                       "411111******1111",
		"order 6222020000000011 (not Luhn)":      "order 6222020000000011 (not Luhn)",
		"phone 13800138000, amount 1000":         "phone 13800138000, amount 1000",
		"卡号6222020000000015已冻结":                  "卡号622202******0015已冻结",
		"":                                       "",
		"123456789012345678901234":               "123456789012345678901234",
	} {
		if got := posguard.MaskFreeText(in); got != want {
			t.Errorf("MaskFreeText(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzMaskFreeText(f *testing.F) {
	for _, s := range []string{"6222020000000015", "6222 0200 0000 0015", "1 2 3", "--", "4111111111111111 4111111111111111"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := posguard.MaskFreeText(s)
		if len(out) != len(s) {
			t.Fatalf("length changed: %q -> %q", s, out)
		}
		// No Luhn-valid run of 13-19 plain digits survives.
		for _, f := range strings.FieldsFunc(out, func(r rune) bool { return r < '0' || r > '9' }) {
			if len(f) >= 13 && len(f) <= 19 && posguard.MaskFreeText(f) != f {
				t.Fatalf("card number left in %q", out)
			}
		}
	})
}
