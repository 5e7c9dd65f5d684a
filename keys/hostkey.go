package keys

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/posguard/posguard"
)

// HostKeyLen is the length of the host key in bytes (AES-256).
const HostKeyLen = 32

// panHashInfo labels the subkey used for PAN hashes, so that it is never the
// key that seals secrets.
const panHashInfo = "posguard pan-hash v1"

// checkInfo labels the subkey behind the key check value.
const checkInfo = "posguard host-key check v1"

// HostKey is the host's master secret. It seals terminal master keys and
// working keys at rest (AES-256-GCM, posguard.Sealer) and hashes PANs for
// same-card checks without storing them. It never prints its key.
type HostKey struct {
	aead   cipher.AEAD
	panKey []byte
	check  string
	// panMACs holds HMAC states keyed with panKey, reset after each use:
	// keying one costs more than the hash of a PAN.
	panMACs sync.Pool
}

var _ posguard.Sealer = (*HostKey)(nil)

// ParseHostKey returns the host key held in s, 64 hexadecimal characters
// (surrounding white space is ignored). EINVALID when s is malformed; the
// error does not repeat s.
func ParseHostKey(s string) (*HostKey, error) {
	s = strings.TrimSpace(s)
	if len(s) != 2*HostKeyLen {
		return nil, posguard.Errorf(posguard.EINVALID, "keys: host key must be %d hexadecimal characters, got %d", 2*HostKeyLen, len(s))
	}
	raw, err := hex.DecodeString(s)
	if err != nil {
		return nil, posguard.Errorf(posguard.EINVALID, "keys: host key is not hexadecimal")
	}
	defer clear(raw)
	return newHostKey(raw)
}

func newHostKey(raw []byte) (*HostKey, error) {
	block, err := aes.NewCipher(raw)
	if err != nil {
		return nil, posguard.WrapError(posguard.EINTERNAL, err, "keys: host key")
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, posguard.WrapError(posguard.EINTERNAL, err, "keys: host key")
	}
	panKey, err := hkdf.Key(sha256.New, raw, nil, panHashInfo, sha256.Size)
	if err != nil {
		return nil, posguard.WrapError(posguard.EINTERNAL, err, "keys: host key")
	}
	ck, err := hkdf.Key(sha256.New, raw, nil, checkInfo, 8)
	if err != nil {
		return nil, posguard.WrapError(posguard.EINTERNAL, err, "keys: host key")
	}
	return &HostKey{aead: aead, panKey: panKey, check: hex.EncodeToString(ck)}, nil
}

// CheckValue returns the key check value: 16 hexadecimal characters derived
// one way from the key, equal for the same key and telling nothing about
// it. A store keeps it to refuse a host key that is not the one its data
// was sealed under.
func (k *HostKey) CheckValue() string { return k.check }

// GenerateHostKey returns a new random host key and its file contents
// (hexadecimal and a newline), for a caller that writes the file itself
// once it knows the key may be created.
func GenerateHostKey() (*HostKey, []byte, error) {
	raw := make([]byte, HostKeyLen)
	defer clear(raw)
	rand.Read(raw)
	k, err := newHostKey(raw)
	if err != nil {
		return nil, nil, err
	}
	return k, []byte(hex.EncodeToString(raw) + "\n"), nil
}

// LoadHostKeyFile reads the host key from the file at path. ENOTFOUND
// (wrapping fs.ErrNotExist) when there is no such file; EINVALID when it does
// not hold a well-formed key; EUNAUTHORIZED when group or others may read it
// and allowShared is false (allowShared reports that in shared instead).
// The errors name the file.
func LoadHostKeyFile(path string, allowShared bool) (k *HostKey, shared bool, err error) {
	info, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, false, posguard.WrapError(posguard.ENOTFOUND, err, "keys: host key file %s does not exist", path)
		}
		return nil, false, posguard.WrapError(posguard.EUNAVAILABLE, err, "keys: host key file %s", path)
	}
	shared = sharedMode(info.Mode())
	if shared && !allowShared {
		return nil, true, posguard.Errorf(posguard.EUNAUTHORIZED,
			"keys: host key file %s may be read by group or others (mode %04o): chmod 600 it (or accept it with --allow-shared-host-key)", path, info.Mode().Perm())
	}
	k, err = loadHostKeyFile(path)
	return k, shared, err
}

// CreateHostKeyFile writes data (from GenerateHostKey) to a new file at path
// with mode 0600, atomically; EUNAVAILABLE if it cannot, naming the file, and
// fs.ErrExist wrapped if the file appeared meanwhile.
func CreateHostKeyFile(path string, data []byte) error {
	if err := writeNewFile(path, data); err != nil {
		return posguard.WrapError(posguard.EUNAVAILABLE, err, "keys: create host key file %s", path)
	}
	return nil
}

// LoadOrCreateHostKey reads the host key from the file at path, or, when the
// file does not exist, creates it with 32 random bytes in hexadecimal and
// mode 0600 (its directory with 0700 if missing), reporting created = true.
// Creation is atomic: a concurrent creator cannot leave a half-written file,
// and the loser of a race reads the winner's key. EINVALID when the file
// exists but does not hold a well-formed key (it is never overwritten).
func LoadOrCreateHostKey(path string) (k *HostKey, created bool, err error) {
	k, err = loadHostKeyFile(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return k, false, err
	}

	raw := make([]byte, HostKeyLen)
	defer clear(raw)
	rand.Read(raw)
	if err := writeNewFile(path, []byte(hex.EncodeToString(raw)+"\n")); err != nil {
		if errors.Is(err, fs.ErrExist) { // another process created it first
			k, err := loadHostKeyFile(path)
			return k, false, err
		}
		return nil, false, posguard.WrapError(posguard.EUNAVAILABLE, err, "keys: create host key file")
	}
	k, err = newHostKey(raw)
	if err != nil {
		return nil, false, err
	}
	return k, true, nil
}

// loadHostKeyFile reads and parses the host key file at path. The error
// wraps fs.ErrNotExist when there is no such file.
func loadHostKeyFile(path string) (*HostKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, posguard.WrapError(posguard.ENOTFOUND, err, "keys: host key file")
		}
		return nil, posguard.WrapError(posguard.EUNAVAILABLE, err, "keys: read host key file")
	}
	defer clear(data)
	k, err := ParseHostKey(string(data))
	if err != nil {
		return nil, posguard.WrapError(posguard.EINVALID, err, "keys: host key file %s", path)
	}
	return k, nil
}

// writeNewFile writes data to a temporary file next to path and links it to
// path, failing with fs.ErrExist if path already exists.
func writeNewFile(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".hostkey-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	err = os.Link(tmp.Name(), path)
	if err == nil || errors.Is(err, fs.ErrExist) {
		return err
	}
	// The file system cannot link: create the file exclusively instead.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	return f.Close()
}

// Seal encrypts plain with AES-256-GCM under the host key, authenticating
// ad (posguard.SealAD: the value's table, row and column) with it; the
// random 12-byte nonce is prepended to the result.
func (k *HostKey) Seal(plain, ad []byte) ([]byte, error) {
	ns := k.aead.NonceSize()
	out := make([]byte, ns, ns+len(plain)+k.aead.Overhead())
	rand.Read(out)
	return k.aead.Seal(out, out[:ns], plain, ad), nil
}

// Open decrypts what Seal produced with the same ad. EINTERNAL when the
// data is too short, was altered, belongs to another row or column (ad
// differs), or was sealed under another host key.
func (k *HostKey) Open(sealed, ad []byte) ([]byte, error) {
	ns := k.aead.NonceSize()
	if len(sealed) < ns+k.aead.Overhead() {
		return nil, posguard.Errorf(posguard.EINTERNAL, "keys: sealed data too short (%d bytes)", len(sealed))
	}
	plain, err := k.aead.Open(nil, sealed[:ns], sealed[ns:], ad)
	if err != nil {
		return nil, posguard.Errorf(posguard.EINTERNAL, "keys: sealed data cannot be opened: altered, moved from another row, or sealed under another host key")
	}
	return plain, nil
}

// PANHash returns the hexadecimal HMAC-SHA256 of the clear PAN under a
// subkey derived from the host key: equal for the same card, and useless
// without the host key. Stores keep it to match cards without the PAN.
func (k *HostKey) PANHash(pan posguard.PAN) string {
	m, _ := k.panMACs.Get().(hash.Hash)
	if m == nil {
		m = hmac.New(sha256.New, k.panKey)
	}
	m.Write([]byte(pan.Reveal()))
	out := hex.EncodeToString(m.Sum(nil))
	m.Reset()
	k.panMACs.Put(m)
	return out
}

// String hides the key.
func (k *HostKey) String() string { return "keys.HostKey(redacted)" }

// GoString hides the key from %#v.
func (k *HostKey) GoString() string { return k.String() }

// LogValue hides the key in structured logs.
func (k *HostKey) LogValue() slog.Value { return slog.StringValue(k.String()) }
