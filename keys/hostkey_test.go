package keys_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/keys"
)

const testHostKeyHex = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

func TestLoadOrCreateHostKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "secrets", "host.key")
	k1, created, err := keys.LoadOrCreateHostKey(path)
	if err != nil || !created {
		t.Fatalf("first call: created %v, err %v", created, err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600", fi.Mode().Perm())
	}
	data, _ := os.ReadFile(path)
	if len(strings.TrimSpace(string(data))) != 64 {
		t.Fatalf("file holds %d characters, want 64 hex", len(strings.TrimSpace(string(data))))
	}
	k2, created, err := keys.LoadOrCreateHostKey(path)
	if err != nil || created {
		t.Fatalf("second call: created %v, err %v", created, err)
	}
	sealed, _ := k1.Seal([]byte("tmk"), []byte("row 1"))
	plain, err := k2.Open(sealed, []byte("row 1"))
	if err != nil || string(plain) != "tmk" {
		t.Fatalf("reloaded key cannot open what the first sealed: %q, %v", plain, err)
	}
	if k1.PANHash("6222021234567890123") != k2.PANHash("6222021234567890123") {
		t.Fatal("PAN hash differs after reload")
	}
}

func TestLoadOrCreateHostKeyConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "host.key")
	const n = 8
	var wg sync.WaitGroup
	ks := make([]*keys.HostKey, n)
	created := make([]bool, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { ks[i], created[i], errs[i] = keys.LoadOrCreateHostKey(path) })
	}
	wg.Wait()
	creators := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if created[i] {
			creators++
		}
	}
	if creators != 1 {
		t.Fatalf("%d callers created the key, want 1", creators)
	}
	sealed, _ := ks[0].Seal([]byte("x"), nil)
	for i := 1; i < n; i++ {
		if _, err := ks[i].Open(sealed, nil); err != nil {
			t.Fatalf("caller %d holds another key", i)
		}
	}
}

func TestLoadHostKeyMalformed(t *testing.T) {
	tests := []struct{ name, content string }{
		{"empty", ""},
		{"short", "0011"},
		{"not hex", strings.Repeat("zz", 32)},
		{"too long", testHostKeyHex + "00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "host.key")
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, _, err := keys.LoadOrCreateHostKey(path)
			if posguard.ErrorCode(err) != posguard.EINVALID {
				t.Fatalf("err = %v, want EINVALID", err)
			}
			if !strings.Contains(err.Error(), "host key") {
				t.Fatalf("err %q does not say what is wrong", err)
			}
			after, _ := os.ReadFile(path)
			if string(after) != tt.content {
				t.Fatal("malformed file was overwritten")
			}
		})
	}
}

func TestSealOpen(t *testing.T) {
	k, err := keys.ParseHostKey(" " + testHostKeyHex + "\n")
	if err != nil {
		t.Fatal(err)
	}
	plain := []byte("0123456789ABCDEFFEDCBA9876543210")
	a, err := k.Seal(plain, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := k.Seal(plain, nil)
	if bytes.Equal(a, b) {
		t.Fatal("two seals of the same plaintext are equal (nonce reused)")
	}
	if bytes.Contains(a, plain) {
		t.Fatal("sealed data holds the plaintext")
	}
	got, err := k.Open(a, nil)
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("Open = %q, %v", got, err)
	}
	empty, _ := k.Seal(nil, nil)
	if got, err := k.Open(empty, nil); err != nil || len(got) != 0 {
		t.Fatalf("Open(Seal(nil)) = %q, %v", got, err)
	}

	for i := range a {
		bad := bytes.Clone(a)
		bad[i] ^= 0x01
		if _, err := k.Open(bad, nil); posguard.ErrorCode(err) != posguard.EINTERNAL {
			t.Fatalf("Open with byte %d altered: err = %v, want EINTERNAL", i, err)
		}
	}
	for _, short := range [][]byte{nil, a[:5], a[:27]} {
		if _, err := k.Open(short, nil); err == nil {
			t.Fatalf("Open of %d bytes succeeded", len(short))
		}
	}
	other, _ := keys.ParseHostKey(strings.Repeat("ab", 32))
	if _, err := other.Open(a, nil); err == nil {
		t.Fatal("another host key opened the data")
	}
}

func TestParseHostKeyErrors(t *testing.T) {
	for _, s := range []string{"", "abc", strings.Repeat("g", 64), strings.Repeat("0", 66)} {
		if _, err := keys.ParseHostKey(s); posguard.ErrorCode(err) != posguard.EINVALID {
			t.Errorf("ParseHostKey(%q): err = %v, want EINVALID", s, err)
		}
	}
}

func TestPANHash(t *testing.T) {
	k, _ := keys.ParseHostKey(testHostKeyHex)
	other, _ := keys.ParseHostKey(strings.Repeat("ab", 32))
	const pan = posguard.PAN("6222021234567890123")
	h := k.PANHash(pan)
	if len(h) != 64 || strings.ToLower(h) != h {
		t.Fatalf("PANHash = %q, want 64 lower-case hex characters", h)
	}
	if h != k.PANHash(pan) {
		t.Fatal("PANHash not stable")
	}
	if h == k.PANHash("6222021234567890124") {
		t.Fatal("two PANs share a hash")
	}
	if h == other.PANHash(pan) {
		t.Fatal("hash does not depend on the host key")
	}
	if strings.Contains(h, pan.Reveal()) {
		t.Fatal("hash holds the PAN")
	}
}

func TestHostKeyDoesNotPrint(t *testing.T) {
	k, _ := keys.ParseHostKey(testHostKeyHex)
	for _, s := range []string{fmt.Sprint(k), fmt.Sprintf("%v %+v %#v %s", k, k, k, k)} {
		if strings.Contains(s, "0102030405") || strings.Contains(s, "\x01\x02\x03") {
			t.Fatalf("host key printed: %q", s)
		}
	}
}

// A dangling symbolic link at the key path is neither read nor replaced.
func TestLoadOrCreateHostKeyDanglingLink(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "host.key")
	if err := os.Symlink(filepath.Join(dir, "missing"), path); err != nil {
		t.Skipf("no symlinks here: %v", err)
	}
	_, created, err := keys.LoadOrCreateHostKey(path)
	if err == nil || created {
		t.Fatalf("created %v, err %v; want an error", created, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "missing")); err == nil {
		t.Fatal("key written through the dangling link")
	}
}

// A value sealed for one row does not open for another: the associated data
// (posguard.SealAD) is authenticated with it.
func TestSealBindsToAssociatedData(t *testing.T) {
	k, _, err := keys.GenerateHostKey()
	if err != nil {
		t.Fatal(err)
	}
	a := posguard.SealAD("terminals", "mak_sealed", "10000001")
	sealed, err := k.Seal([]byte("mak"), a)
	if err != nil {
		t.Fatal(err)
	}
	if plain, err := k.Open(sealed, a); err != nil || string(plain) != "mak" {
		t.Fatalf("own row: %q, %v", plain, err)
	}
	for _, other := range [][]byte{
		posguard.SealAD("terminals", "mak_sealed", "10000002"),
		posguard.SealAD("terminals", "pik_sealed", "10000001"),
		posguard.SealAD("settings", "value", "10000001"),
		nil,
	} {
		if _, err := k.Open(sealed, other); posguard.ErrorCode(err) != posguard.EINTERNAL {
			t.Fatalf("opened under %q: %v", other, err)
		}
	}
	// Length prefixes keep parts apart: ("ab","c") is not ("a","bc").
	if string(posguard.SealAD("t", "c", "ab", "c")) == string(posguard.SealAD("t", "c", "a", "bc")) {
		t.Fatal("SealAD parts run together")
	}
}
