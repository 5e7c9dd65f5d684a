package seed

import (
	"testing"

	posguard "github.com/posguard/posguard"
)

func TestLuhn(t *testing.T) {
	for pan, want := range map[string]bool{
		"6225880000000019":    true,
		"6222020000000000018": true,
		"4380880000000015":    true,
		"4111111111111111":    true,
		"6225880000000018":    false,
		"4111111111111112":    false,
	} {
		if got := luhnValid(pan); got != want {
			t.Errorf("luhnValid(%s) = %v, want %v", posguard.MaskPAN(pan), got, want)
		}
	}
}
