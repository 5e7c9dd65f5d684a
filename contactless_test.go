package posguard

import "testing"

func TestContactlessNoPIN(t *testing.T) {
	for _, tc := range []struct {
		mode       string
		pin        bool
		tap, noPIN bool
	}{
		{"072", false, true, true},
		{"072", true, true, true}, // 072 says no PIN, whatever came
		{"071", true, true, false},
		{"071", false, true, true}, // 071 without field 52
		{"021", false, false, false},
		{"051", true, false, false},
		{"07", false, true, true},
		{"", false, false, false},
	} {
		r := &TerminalRequest{EntryMode: tc.mode}
		if tc.pin {
			r.PINBlock = make([]byte, 8)
		}
		if r.Contactless() != tc.tap || r.ContactlessNoPIN() != tc.noPIN {
			t.Errorf("22=%q pin=%v: contactless %v no-PIN %v, want %v %v", tc.mode, tc.pin, r.Contactless(), r.ContactlessNoPIN(), tc.tap, tc.noPIN)
		}
	}
}
