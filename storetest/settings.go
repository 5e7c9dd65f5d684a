package storetest

import (
	"bytes"
	"context"
	"testing"

	"github.com/posguard/posguard"
)

// runSettings runs the setting-store checks (the stores must implement
// posguard.SettingStore). With WithRawContains it also proves that a secret
// setting is stored only sealed.
func runSettings(t *testing.T, h *harness) {
	get := func(t *testing.T) (posguard.Store, posguard.SettingStore) {
		s := h.store(t)
		ss, ok := s.(posguard.SettingStore)
		if !ok {
			t.Fatalf("%T does not implement posguard.SettingStore", s)
		}
		return s, ss
	}
	t.Run("Settings", func(t *testing.T) { testSettings(t, h, get) })
	t.Run("EmptySetting", func(t *testing.T) {
		_, s := get(t)
		ctx := context.Background()
		if err := s.PutSetting(ctx, "note", nil, false); err != nil {
			t.Fatalf("put empty: %v", err)
		}
		if got, err := s.Setting(ctx, "note"); err != nil || len(got) != 0 {
			t.Fatalf("empty setting = %q, %v", got, err)
		}
	})
}

// testSettings puts, overwrites and reads back plain and secret settings.
func testSettings(t *testing.T, h *harness, get func(*testing.T) (posguard.Store, posguard.SettingStore)) {
	raw, s := get(t)
	ctx := context.Background()
	if _, err := s.Setting(ctx, "acquirer_id"); posguard.ErrorCode(err) != posguard.ENOTFOUND {
		t.Fatalf("unset setting: %v, want ENOTFOUND", err)
	}
	zpk := bytes.Repeat([]byte{0x5A, 0xC3}, 8)
	cases := []struct {
		name   string
		value  []byte
		secret bool
	}{
		{"acquirer_id", []byte("48020000"), false},
		{"zpk", zpk, true},
		{"acquirer_id", []byte("48029999"), false}, // overwrite
	}
	for _, c := range cases {
		if err := s.PutSetting(ctx, c.name, c.value, c.secret); err != nil {
			t.Fatalf("put %s: %v", c.name, err)
		}
		got, err := s.Setting(ctx, c.name)
		if err != nil || !bytes.Equal(got, c.value) {
			t.Fatalf("setting %s = %x, %v; want %x", c.name, got, err, c.value)
		}
	}
	if h.cfg.rawContains == nil {
		return
	}
	if h.cfg.rawContains(t, raw, zpk) {
		t.Fatal("secret setting stored in the clear")
	}
	if !h.cfg.rawContains(t, raw, []byte("48029999")) {
		t.Fatal("raw check does not see plain settings")
	}
}
