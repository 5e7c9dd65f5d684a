package sqlstore

import (
	"bytes"
	"testing"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/storetest"
)

func TestCheckBatch(t *testing.T) {
	cases := []struct {
		batch string
		ok    bool
	}{
		{"000001", true}, {"999999", true}, {"", false}, {"00001", false}, {"0000001", false}, {"00000a", false},
	}
	for _, c := range cases {
		err := CheckBatch("10000001", c.batch)
		if (err == nil) != c.ok || (err != nil && posguard.ErrorCode(err) != posguard.EINVALID) {
			t.Errorf("CheckBatch(%q) = %v, want ok=%v", c.batch, err, c.ok)
		}
	}
}

func TestTerminalStatus(t *testing.T) {
	cases := []struct {
		t    *posguard.Terminal
		want posguard.TerminalStatus
		code string
	}{
		{nil, "", posguard.EINVALID},
		{&posguard.Terminal{}, "", posguard.EINVALID},
		{&posguard.Terminal{ID: "10000001"}, posguard.TerminalActive, ""},
		{&posguard.Terminal{ID: "10000001", Status: posguard.TerminalDisabled}, posguard.TerminalDisabled, ""},
		{&posguard.Terminal{ID: "10000001", Status: "gone"}, "", posguard.EINVALID},
	}
	for i, c := range cases {
		got, err := TerminalStatus(c.t)
		if got != c.want || posguard.ErrorCode(err) != c.code {
			t.Errorf("%d: %q, %v; want %q, %q", i, got, err, c.want, c.code)
		}
	}
}

func TestTerminalKeysRoundTrip(t *testing.T) {
	sealer := storetest.NewSealer()
	in := &posguard.Terminal{ID: "10000001", TMK: bytes.Repeat([]byte{1}, 16)}
	keys := posguard.WorkingKeys{PIK: bytes.Repeat([]byte{2}, 16), MAK: bytes.Repeat([]byte{3}, 8)} // no TDK
	tmk, err := SealTMK(sealer, in)
	if err != nil || bytes.Contains(tmk, in.TMK) {
		t.Fatalf("sealed TMK %x, %v", tmk, err)
	}
	sealed, err := SignOnColumns(sealer, in.ID, keys, "")
	if err != nil || sealed[2] != nil {
		t.Fatalf("sealed working keys %x, %v", sealed, err)
	}
	if _, err := SignOnColumns(sealer, in.ID, keys, "12"); posguard.ErrorCode(err) != posguard.EINVALID {
		t.Fatalf("bad batch: %v", err)
	}
	out := &posguard.Terminal{ID: in.ID}
	if err := OpenTerminalKeys(sealer, out, tmk, sealed[0], sealed[1], sealed[2]); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.TMK, in.TMK) || !bytes.Equal(out.Keys.PIK, keys.PIK) || !bytes.Equal(out.Keys.MAK, keys.MAK) || out.Keys.TDK != nil {
		t.Fatalf("keys read back %+v", out.Keys)
	}
	if err := OpenTerminalKeys(sealer, out, []byte("tampered"), nil, nil, nil); posguard.ErrorCode(err) != posguard.EINTERNAL {
		t.Fatalf("tampered TMK: %v", err)
	}
}

func TestClampLimit(t *testing.T) {
	for _, c := range []struct{ in, want int }{{-1, 50}, {0, 50}, {7, 7}, {1000, 1000}, {1001, 1000}} {
		if got := ClampLimit(c.in); got != c.want {
			t.Errorf("ClampLimit(%d) = %d, want %d", c.in, got, c.want)
		}
	}
}

func TestMerchantRow(t *testing.T) {
	m := &posguard.Merchant{ID: "898310048990001", Status: posguard.MerchantActive}
	allowed, err := MerchantRow(m)
	if err != nil || string(allowed) != "[]" {
		t.Fatalf("no allowed types encode as %s, %v; want []", allowed, err)
	}
	var back posguard.Merchant
	if err := MerchantFromRow(&back, "active", 500, 9000, allowed); err != nil || back.AllowedTypes != nil || back.Limits.Daily != 9000 {
		t.Fatalf("read back %+v, %v", back, err)
	}
	m.AllowedTypes = []posguard.TxnType{posguard.TxnSale}
	if allowed, err = MerchantRow(m); err != nil {
		t.Fatal(err)
	}
	if err := MerchantFromRow(&back, "active", 0, 0, string(allowed)); err != nil || len(back.AllowedTypes) != 1 || back.AllowedTypes[0] != posguard.TxnSale {
		t.Fatalf("read back %v, %v", back.AllowedTypes, err)
	}
	for _, bad := range []*posguard.Merchant{nil, {Status: m.Status}, {ID: "x", Status: "sleeping"}} {
		if _, err := MerchantRow(bad); posguard.ErrorCode(err) != posguard.EINVALID {
			t.Errorf("MerchantRow(%+v): %v, want EINVALID", bad, err)
		}
	}
	if err := MerchantFromRow(&back, "active", 0, 0, "{"); posguard.ErrorCode(err) != posguard.EINTERNAL {
		t.Errorf("broken JSON: %v", err)
	}
}
