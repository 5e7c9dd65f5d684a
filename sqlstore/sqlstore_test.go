package sqlstore

import (
	"bytes"
	"testing"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/storetest"
)

func TestSettingRoundTrip(t *testing.T) {
	sealer := storetest.NewSealer()
	cases := []struct {
		name   string
		value  []byte
		secret bool
	}{
		{"plain", []byte("48020000"), false},
		{"secret", []byte{0x5A, 0xC3, 0x5A, 0xC3}, true},
		{"empty", nil, false},
	}
	for _, c := range cases {
		stored, err := SettingValue(sealer, c.name, c.value, c.secret)
		if err != nil || stored == nil {
			t.Fatalf("%s: stored %x, %v", c.name, stored, err)
		}
		if c.secret && bytes.Contains(stored, c.value) {
			t.Errorf("%s: secret stored in the clear", c.name)
		}
		got, err := OpenSetting(sealer, c.name, stored, c.secret)
		if err != nil || !bytes.Equal(got, c.value) {
			t.Errorf("%s: read back %x, %v; want %x", c.name, got, err, c.value)
		}
	}
	if _, err := OpenSetting(sealer, "bad", []byte("not sealed"), true); posguard.ErrorCode(err) != posguard.EINTERNAL {
		t.Errorf("tampered secret: %v, want EINTERNAL", err)
	}
}

func TestCaseRow(t *testing.T) {
	valid := posguard.Case{Kind: posguard.CaseMerchantComplaint, Status: posguard.CaseOpen, Priority: posguard.P2, TxnIDs: []int64{4, 7}}
	ids, err := CaseRow(&valid)
	if err != nil {
		t.Fatal(err)
	}
	var back posguard.Case
	if err := CaseFromRow(&back, string(valid.Kind), string(valid.Status), string(valid.Priority), 150, string(ids)); err != nil {
		t.Fatal(err)
	}
	if len(back.TxnIDs) != 2 || back.TxnIDs[1] != 7 || back.Amount != 150 || back.Kind != valid.Kind {
		t.Errorf("round trip: %+v", back)
	}
	bad := valid
	bad.Priority = "whenever"
	for _, c := range []*posguard.Case{nil, &bad} {
		if _, err := CaseRow(c); posguard.ErrorCode(err) != posguard.EINVALID {
			t.Errorf("CaseRow(%v): %v, want EINVALID", c, err)
		}
	}
	if err := CaseFromRow(&back, "", "", "", 0, "{"); posguard.ErrorCode(err) != posguard.EINTERNAL {
		t.Errorf("broken JSON: %v, want EINTERNAL", err)
	}
}

func TestCheckCaseStatus(t *testing.T) {
	cases := []struct {
		cur, from string
		code      string
	}{
		{"open", "", ""},
		{"open", "open", ""},
		{"closed", "open", posguard.ECONFLICT},
	}
	for _, c := range cases {
		if got := posguard.ErrorCode(CheckCaseStatus(1, c.cur, posguard.CaseStatus(c.from))); got != c.code {
			t.Errorf("%s from %s: %q, want %q", c.cur, c.from, got, c.code)
		}
	}
}
