package keys

import (
	"crypto/rand"
	"crypto/subtle"

	"github.com/posguard/posguard"
)

// schemeLayout describes the working keys of a key scheme (field 60.3 of a
// sign-on). How a sign-on answer carries them (field 62) is the terminal
// profile's: terminal.EncodeField62 and DecodeField62.
type schemeLayout struct {
	keyLen  int  // length of PIK, MAK (and TDK)
	withTDK bool // scheme 004 adds a track data key
}

func layoutOf(scheme string) (schemeLayout, error) {
	switch scheme {
	case posguard.KeyScheme001:
		return schemeLayout{keyLen: 8}, nil
	case posguard.KeyScheme003:
		return schemeLayout{keyLen: 16}, nil
	case posguard.KeyScheme004:
		return schemeLayout{keyLen: 16, withTDK: true}, nil
	}
	return schemeLayout{}, posguard.Errorf(posguard.EINVALID, "keys: unknown key scheme %q, want 001, 003 or 004", scheme)
}

// names of the keys in delivery order.
func (l schemeLayout) names() []string {
	if l.withTDK {
		return []string{"PIK", "MAK", "TDK"}
	}
	return []string{"PIK", "MAK"}
}

// CheckValueError reports a delivered key whose check value does not match
// the key once decrypted under the TMK (a wrong TMK, or damaged data).
// UnwrapKey returns it wrapped in a posguard.Error with EINVALID.
type CheckValueError struct {
	Key string // "PIK", "MAK" or "TDK"
}

// Error names the key whose check value failed.
func (e *CheckValueError) Error() string { return e.Key + " check value mismatch" }

// GenerateWorkingKeys returns fresh random working keys for scheme: 8-byte
// PIK and MAK for 001, 16-byte ones for 003, and a 16-byte TDK as well for
// 004. Every key byte has odd parity. EINVALID for an unknown scheme.
func GenerateWorkingKeys(scheme string) (posguard.WorkingKeys, error) {
	l, err := layoutOf(scheme)
	if err != nil {
		return posguard.WorkingKeys{}, err
	}
	gen := func() []byte {
		k := make([]byte, l.keyLen)
		rand.Read(k) // never returns an error (crypto/rand, Go 1.24+)
		SetOddParity(k)
		return k
	}
	k := posguard.WorkingKeys{PIK: gen(), MAK: gen()}
	if l.withTDK {
		k.TDK = gen()
	}
	return k, nil
}

// SchemeKeys returns the names of scheme's working keys in delivery order
// (PIK, MAK, and TDK for 004) and their length in bytes. EINVALID for an
// unknown scheme.
func SchemeKeys(scheme string) (names []string, keyLen int, err error) {
	l, err := layoutOf(scheme)
	if err != nil {
		return nil, 0, err
	}
	return l.names(), l.keyLen, nil
}

// KeyList returns k's keys in delivery order, checking that they are the
// keys of scheme (EINVALID otherwise).
func KeyList(scheme string, k posguard.WorkingKeys) ([][]byte, error) {
	l, err := layoutOf(scheme)
	if err != nil {
		return nil, err
	}
	return keyList(l, scheme, k)
}

// keyList returns k's keys in delivery order, checking their lengths.
func keyList(l schemeLayout, scheme string, k posguard.WorkingKeys) ([][]byte, error) {
	list := [][]byte{k.PIK, k.MAK}
	if l.withTDK {
		list = append(list, k.TDK)
	}
	for i, key := range list {
		if len(key) != l.keyLen {
			return nil, posguard.Errorf(posguard.EINVALID, "keys: %s length %d, want %d for key scheme %s", l.names()[i], len(key), l.keyLen, scheme)
		}
	}
	return list, nil
}

// CheckTMK returns EINVALID unless tmk has the length of a terminal master
// key (16 or 24 bytes).
func CheckTMK(tmk []byte) error { return checkTMK(tmk) }

// WrapKey returns key encrypted under the terminal master key (3DES-ECB)
// followed by the check value of the clear key: one key as a sign-on
// delivers it.
func WrapKey(tmk, key []byte) ([]byte, error) {
	if err := checkTMK(tmk); err != nil {
		return nil, err
	}
	enc, err := EncryptECB(tmk, key)
	if err != nil {
		return nil, err
	}
	return append(enc, CheckValue(key)...), nil
}

// UnwrapKey is the inverse of WrapKey for the key called name: it decrypts
// the first len(wrapped)-CheckValueLen bytes under the TMK and verifies the
// check value that follows, in constant time. EINVALID wrapping a
// *CheckValueError naming the key when it does not match.
func UnwrapKey(tmk, wrapped []byte, name string) ([]byte, error) {
	if err := checkTMK(tmk); err != nil {
		return nil, err
	}
	if len(wrapped) <= CheckValueLen {
		return nil, posguard.Errorf(posguard.EINVALID, "keys: %s: %d bytes, too short", name, len(wrapped))
	}
	n := len(wrapped) - CheckValueLen
	key, err := DecryptECB(tmk, wrapped[:n])
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare(CheckValue(key), wrapped[n:]) != 1 {
		clear(key)
		return nil, posguard.WrapError(posguard.EINVALID, &CheckValueError{Key: name}, "field 62")
	}
	return key, nil
}

func checkTMK(tmk []byte) error {
	if len(tmk) != 16 && len(tmk) != 24 {
		return posguard.Errorf(posguard.EINVALID, "keys: TMK length %d, want 16 or 24 bytes", len(tmk))
	}
	return nil
}
