package storetest

import (
	"bytes"
	"encoding/hex"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/posguard/posguard"
)

func sampleTerminal(id string) *posguard.Terminal {
	return &posguard.Terminal{
		ID:         id,
		MerchantID: "898310048990001",
		TMK:        bytes.Repeat([]byte{0x11, 0x22}, 8),
		KeyScheme:  posguard.KeyScheme004,
		MAC:        posguard.MACCupsECB,
		Model:      "PAX-S90",
		Firmware:   "1.2.3",
		Status:     posguard.TerminalActive,
	}
}

func sampleKeys() posguard.WorkingKeys {
	return posguard.WorkingKeys{
		PIK: bytes.Repeat([]byte{0xA1, 0xB2}, 8),
		MAK: bytes.Repeat([]byte{0xC3, 0xD4}, 8),
		TDK: bytes.Repeat([]byte{0xE5, 0xF6}, 8),
	}
}

func testTerminals(t *testing.T, h *harness) {
	t.Run("ReplacedKeys", func(t *testing.T) {
		s := h.store(t)
		ctx := t.Context()
		must(t, s.PutTerminal(ctx, sampleTerminal("10000001")), "put")
		must(t, s.PutTerminal(ctx, sampleTerminal("10000002")), "put other")
		k := func(b byte) posguard.WorkingKeys {
			return posguard.WorkingKeys{PIK: bytes.Repeat([]byte{b}, 16), MAK: bytes.Repeat([]byte{b + 1}, 16), TDK: bytes.Repeat([]byte{b + 2}, 16)}
		}
		t0 := time.Date(2026, 3, 1, 8, 0, 0, 123456789, time.UTC)
		t1, t2 := t0.Add(time.Minute), t0.Add(2*time.Minute)
		must(t, s.SaveSignOn(ctx, "10000001", k(0x10), "", t0), "first sign-on")
		got, err := s.ReplacedKeys(ctx, "10000001", time.Time{})
		must(t, err, "replaced keys")
		if len(got) != 0 {
			t.Fatalf("a first sign-on kept %d replaced keys", len(got))
		}
		must(t, s.SaveSignOn(ctx, "10000001", k(0x20), "", t1), "second sign-on")
		must(t, s.SaveSignOn(ctx, "10000001", k(0x30), "", t2), "third sign-on")
		must(t, s.SaveSignOn(ctx, "10000002", k(0x40), "", t2), "other's sign-on")
		got, err = s.ReplacedKeys(ctx, "10000001", time.Time{})
		must(t, err, "replaced keys")
		if len(got) != 2 || !reflect.DeepEqual(got[0].Keys, k(0x10)) || !reflect.DeepEqual(got[1].Keys, k(0x20)) ||
			!got[0].ReplacedAt.Equal(t1.Truncate(time.Microsecond)) || !got[1].ReplacedAt.Equal(t2.Truncate(time.Microsecond)) ||
			got[0].MAC != posguard.MACCupsECB {
			t.Fatalf("replaced keys: %+v", got)
		}
		if got, _ := s.ReplacedKeys(ctx, "10000001", t2); len(got) != 1 || !reflect.DeepEqual(got[0].Keys, k(0x20)) {
			t.Fatalf("replaced since the third sign-on: %+v", got)
		}
		cur, err := s.Terminal(ctx, "10000001")
		must(t, err, "terminal")
		if !reflect.DeepEqual(cur.Keys, k(0x30)) {
			t.Fatal("current keys are not the last sign-on's")
		}
		// Kept keys are dropped a day after they were replaced.
		must(t, s.SaveSignOn(ctx, "10000001", k(0x50), "", t1.Add(24*time.Hour+30*time.Second)), "a day later")
		if got, _ := s.ReplacedKeys(ctx, "10000001", time.Time{}); len(got) != 2 || !reflect.DeepEqual(got[0].Keys, k(0x20)) {
			t.Fatalf("after a day: %+v", got)
		}
		must(t, s.ForgetReplacedKeys(ctx, "10000001"), "forget")
		if got, _ := s.ReplacedKeys(ctx, "10000001", time.Time{}); len(got) != 0 {
			t.Fatalf("after forget: %d kept", len(got))
		}
		if got, _ := s.ReplacedKeys(ctx, "10000002", time.Time{}); len(got) != 0 {
			t.Fatalf("a terminal's first sign-on kept keys: %d", len(got))
		}
		wantCode(t, s.SaveSignOn(ctx, "99999999", k(1), "", t2), posguard.ENOTFOUND, "SaveSignOn unknown")
	})

	t.Run("NewTerminal", func(t *testing.T) {
		s := h.store(t)
		in := sampleTerminal("10000001")
		must(t, s.PutTerminal(t.Context(), in), "put")
		got, err := s.Terminal(t.Context(), in.ID)
		must(t, err, "get")
		if got.MerchantID != in.MerchantID || !bytes.Equal(got.TMK, in.TMK) || got.KeyScheme != in.KeyScheme ||
			got.MAC != in.MAC || got.Model != in.Model || got.Firmware != in.Firmware || got.Status != in.Status {
			t.Fatalf("provisioning round trip:\n got %+v\nwant %+v", got, in)
		}
		if got.SignedOn || got.Batch != "000001" || !got.SignedOnAt.IsZero() {
			t.Fatalf("new terminal: signed on %v at %v batch %q, want signed off, batch 000001", got.SignedOn, got.SignedOnAt, got.Batch)
		}
		if got.Keys.PIK != nil || got.Keys.MAK != nil || got.Keys.TDK != nil {
			t.Fatalf("new terminal has working keys: %x", got.Keys)
		}
		if got.UpdatedAt.IsZero() {
			t.Fatal("UpdatedAt not set")
		}
	})

	t.Run("SignOnKeptAcrossPut", func(t *testing.T) {
		s := h.store(t)
		must(t, s.PutTerminal(t.Context(), sampleTerminal("10000001")), "put")
		at := time.Date(2026, 3, 1, 8, 30, 0, 123456789, time.UTC)
		keys := sampleKeys()
		must(t, s.SaveSignOn(t.Context(), "10000001", keys, "000042", at), "sign on")

		got, err := s.Terminal(t.Context(), "10000001")
		must(t, err, "get")
		if !got.SignedOn || got.Batch != "000042" || !reflect.DeepEqual(got.Keys, keys) {
			t.Fatalf("after sign-on: signed %v batch %q keys %x", got.SignedOn, got.Batch, got.Keys)
		}
		wantTime(t, got.SignedOnAt, at, "SignedOnAt")

		// Re-provisioning changes provisioning data only.
		re := sampleTerminal("10000001")
		re.Model, re.Status, re.TMK = "NEW9220", posguard.TerminalDisabled, bytes.Repeat([]byte{0x33}, 16)
		must(t, s.PutTerminal(t.Context(), re), "re-put")
		got, err = s.Terminal(t.Context(), "10000001")
		must(t, err, "get")
		if got.Model != "NEW9220" || got.Status != posguard.TerminalDisabled || !bytes.Equal(got.TMK, re.TMK) {
			t.Fatalf("provisioning not updated: %+v", got)
		}
		if !got.SignedOn || got.Batch != "000042" || !reflect.DeepEqual(got.Keys, keys) {
			t.Fatalf("re-put lost sign-on state: signed %v batch %q keys %x", got.SignedOn, got.Batch, got.Keys)
		}
		wantTime(t, got.SignedOnAt, at, "SignedOnAt after re-put")

		// Sign-off keeps the keys.
		off := at.Add(time.Hour)
		must(t, s.SetSignedOff(t.Context(), "10000001", off), "sign off")
		got, err = s.Terminal(t.Context(), "10000001")
		must(t, err, "get")
		if got.SignedOn || !reflect.DeepEqual(got.Keys, keys) {
			t.Fatalf("after sign-off: signed %v keys %x, want signed off with keys kept", got.SignedOn, got.Keys)
		}

		// A sign-on without TDK (scheme 003) clears the old one; an empty
		// batch keeps the open batch.
		k3 := posguard.WorkingKeys{PIK: bytes.Repeat([]byte{1}, 16), MAK: bytes.Repeat([]byte{2}, 16)}
		must(t, s.SaveSignOn(t.Context(), "10000001", k3, "", off), "sign on again")
		got, err = s.Terminal(t.Context(), "10000001")
		must(t, err, "get")
		if !got.SignedOn || got.Batch != "000042" || !reflect.DeepEqual(got.Keys, k3) {
			t.Fatalf("second sign-on: signed %v batch %q keys %x", got.SignedOn, got.Batch, got.Keys)
		}
	})

	t.Run("SetBatch", func(t *testing.T) {
		s := h.store(t)
		must(t, s.PutTerminal(t.Context(), sampleTerminal("10000001")), "put")
		must(t, s.SetBatch(t.Context(), "10000001", posguard.NextBatch("000001")), "set batch")
		got, err := s.Terminal(t.Context(), "10000001")
		must(t, err, "get")
		if got.Batch != "000002" {
			t.Fatalf("batch %q, want 000002", got.Batch)
		}
		for _, bad := range []string{"", "12345", "1234567", "00000a"} {
			wantCode(t, s.SetBatch(t.Context(), "10000001", bad), posguard.EINVALID, "batch "+bad)
		}
	})

	t.Run("NotFound", func(t *testing.T) {
		s := h.store(t)
		tm, err := s.Terminal(t.Context(), "99999999")
		wantCode(t, err, posguard.ENOTFOUND, "Terminal")
		if tm != nil {
			t.Fatalf("missing terminal returned %+v", tm)
		}
		wantCode(t, s.SaveSignOn(t.Context(), "99999999", sampleKeys(), "000001", time.Now()), posguard.ENOTFOUND, "SaveSignOn")
		wantCode(t, s.SetSignedOff(t.Context(), "99999999", time.Now()), posguard.ENOTFOUND, "SetSignedOff")
		wantCode(t, s.SetBatch(t.Context(), "99999999", "000002"), posguard.ENOTFOUND, "SetBatch")
	})

	t.Run("Invalid", func(t *testing.T) {
		s := h.store(t)
		wantCode(t, s.PutTerminal(t.Context(), &posguard.Terminal{}), posguard.EINVALID, "empty ID")
		bad := sampleTerminal("10000002")
		bad.Status = "broken"
		wantCode(t, s.PutTerminal(t.Context(), bad), posguard.EINVALID, "unknown status")
	})

	t.Run("ListOrdered", func(t *testing.T) {
		s := h.store(t)
		for _, id := range []string{"30000000", "10000000", "20000000"} {
			must(t, s.PutTerminal(t.Context(), sampleTerminal(id)), "put "+id)
		}
		must(t, s.SaveSignOn(t.Context(), "20000000", sampleKeys(), "000001", time.Now()), "sign on")
		list, err := s.Terminals(t.Context())
		must(t, err, "list")
		var ids []string
		for _, tm := range list {
			ids = append(ids, tm.ID)
		}
		if !reflect.DeepEqual(ids, []string{"10000000", "20000000", "30000000"}) {
			t.Fatalf("terminals %v, want ordered by ID", ids)
		}
		if !bytes.Equal(list[0].TMK, sampleTerminal("").TMK) || !reflect.DeepEqual(list[1].Keys, sampleKeys()) {
			t.Fatal("Terminals does not unseal keys")
		}
	})
}

// testSealing checks that no key is kept in the clear.
func testSealing(t *testing.T, h *harness) {
	s := h.store(t)
	tm := sampleTerminal("10000001")
	tm.Model = "MODEL-CANARY-7731"
	must(t, s.PutTerminal(t.Context(), tm), "put")
	keys := sampleKeys()
	must(t, s.SaveSignOn(t.Context(), tm.ID, keys, "000001", time.Now()), "sign on")
	got, err := s.Terminal(t.Context(), tm.ID)
	must(t, err, "get")
	if !bytes.Equal(got.TMK, tm.TMK) || !reflect.DeepEqual(got.Keys, keys) {
		t.Fatal("keys do not round-trip through the sealer")
	}
	raw := h.cfg.rawContains
	if raw == nil {
		t.Skip("no raw storage hook: clear-key check skipped")
	}
	// The hook must see plain stored data, or the checks below prove nothing.
	if !raw(t, s, []byte(tm.Model)) {
		t.Fatal("raw storage hook does not find a stored plain value")
	}
	for name, k := range map[string][]byte{"TMK": tm.TMK, "PIK": keys.PIK, "MAK": keys.MAK, "TDK": keys.TDK} {
		if raw(t, s, k) {
			t.Errorf("clear %s found in raw storage", name)
		}
		if raw(t, s, []byte(hex.EncodeToString(k))) || raw(t, s, []byte(strings.ToUpper(hex.EncodeToString(k)))) {
			t.Errorf("hex %s found in raw storage", name)
		}
	}
}
