package onboarding

import (
	"testing"
	"time"
)

func TestCreditCode(t *testing.T) {
	for _, tt := range []struct {
		code string
		ok   bool
	}{
		{"91350100M000100Y43", true},  // a published example code
		{"91350100M000100Y44", false}, // check character changed
		{"91350100M000100Y4", false},  // short
		{"91350100M000I00Y43", false}, // I is not in the alphabet
	} {
		if got := ValidCreditCode(tt.code); got != tt.ok {
			t.Errorf("ValidCreditCode(%q) = %v, want %v", tt.code, got, tt.ok)
		}
	}
}

func TestCheckID(t *testing.T) {
	now := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		id   string
		want IDProblem
	}{
		{"11010519491231002X", IDOK},         // GB 11643's own example
		{"110105194912310021", IDCheckDigit}, // last character changed
		{"1101051949123100", IDFormat},
		{"11010520251231002A", IDFormat},
	} {
		if got := CheckID(tt.id, now); got != tt.want {
			t.Errorf("CheckID(%q) = %v, want %v", tt.id, got, tt.want)
		}
	}
	// A valid check digit on an impossible or implausible birth date.
	for _, d17 := range []string{"11010519491331002", "11010520200101002", "11010518000101002"} {
		c, _ := IDCheck(d17)
		if got := CheckID(d17+string(c), now); got != IDBirthDate {
			t.Errorf("CheckID(%s%c) = %v, want IDBirthDate", d17, c, got)
		}
	}
}

func TestValidPhone(t *testing.T) {
	for s, ok := range map[string]bool{"13800138000": true, "19912345678": true, "12800138000": false, "1380013800": false, "1380013800a": false} {
		if ValidPhone(s) != ok {
			t.Errorf("ValidPhone(%q) != %v", s, ok)
		}
	}
}

func FuzzCheckID(f *testing.F) {
	f.Add("11010519491231002X")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		if CheckID(s, now) == IDOK {
			c, ok := IDCheck(s[:17])
			if !ok || c != s[17] {
				t.Fatalf("%q accepted with a wrong check character", s)
			}
		}
		_ = ValidCreditCode(s)
	})
}
