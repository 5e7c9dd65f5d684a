package keys

import (
	"crypto/rand"
	"crypto/subtle"

	"github.com/posguard/posguard"
)

// schemeLayout describes the working keys a key scheme (field 60.3 of a
// sign-on) delivers in field 62.
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

// names of the keys in field 62 order.
func (l schemeLayout) names() []string {
	if l.withTDK {
		return []string{"PIK", "MAK", "TDK"}
	}
	return []string{"PIK", "MAK"}
}

// field62Len is the length of field 62 for the layout: each key followed by
// its check value.
func (l schemeLayout) field62Len() int {
	return len(l.names()) * (l.keyLen + CheckValueLen)
}

// Field62Len returns the length of field 62 for scheme: 24 for 001, 40 for
// 003 and 60 for 004. EINVALID for an unknown scheme.
func Field62Len(scheme string) (int, error) {
	l, err := layoutOf(scheme)
	if err != nil {
		return 0, err
	}
	return l.field62Len(), nil
}

// CheckValueError reports a key delivered in field 62 whose check value does
// not match the key once decrypted under the TMK (a wrong TMK, or a damaged
// field). DecodeField62 returns it wrapped in a posguard.Error with EINVALID.
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

// keyList returns k's keys in field 62 order, checking their lengths.
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

func checkTMK(tmk []byte) error {
	if len(tmk) != 16 && len(tmk) != 24 {
		return posguard.Errorf(posguard.EINVALID, "keys: TMK length %d, want 16 or 24 bytes", len(tmk))
	}
	return nil
}

// EncodeField62 builds the sign-on response's field 62: each working key
// encrypted under the terminal master key with 3DES-ECB, followed by the
// 4-byte check value of the clear key. The result is 24 bytes for scheme
// 001, 40 for 003 and 60 for 004. EINVALID when the TMK is not 16 or 24
// bytes, the scheme is unknown, or a key has the wrong length for it.
func EncodeField62(tmk []byte, scheme string, k posguard.WorkingKeys) ([]byte, error) {
	l, err := layoutOf(scheme)
	if err != nil {
		return nil, err
	}
	if err := checkTMK(tmk); err != nil {
		return nil, err
	}
	list, err := keyList(l, scheme, k)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, l.field62Len())
	for _, key := range list {
		enc, err := EncryptECB(tmk, key)
		if err != nil {
			return nil, err
		}
		out = append(out, enc...)
		out = append(out, CheckValue(key)...)
	}
	return out, nil
}

// DecodeField62 is the inverse of EncodeField62, used by a terminal (and the
// simulated one) to install the keys delivered at sign-on. It decrypts each
// key under the TMK and verifies its check value. EINVALID when the field has
// the wrong length for scheme, and EINVALID wrapping a *CheckValueError that
// names the key when a check value does not match.
func DecodeField62(tmk []byte, scheme string, f62 []byte) (posguard.WorkingKeys, error) {
	l, err := layoutOf(scheme)
	if err != nil {
		return posguard.WorkingKeys{}, err
	}
	if err := checkTMK(tmk); err != nil {
		return posguard.WorkingKeys{}, err
	}
	if len(f62) != l.field62Len() {
		return posguard.WorkingKeys{}, posguard.Errorf(posguard.EINVALID, "field 62: length %d, want %d for key scheme %s", len(f62), l.field62Len(), scheme)
	}
	list := make([][]byte, 0, 3)
	step := l.keyLen + CheckValueLen
	for i, name := range l.names() {
		part := f62[i*step : (i+1)*step]
		key, err := DecryptECB(tmk, part[:l.keyLen])
		if err != nil {
			return posguard.WorkingKeys{}, err
		}
		if subtle.ConstantTimeCompare(CheckValue(key), part[l.keyLen:]) != 1 {
			clear(key)
			for _, k := range list {
				clear(k)
			}
			return posguard.WorkingKeys{}, posguard.WrapError(posguard.EINVALID, &CheckValueError{Key: name}, "field 62")
		}
		list = append(list, key)
	}
	k := posguard.WorkingKeys{PIK: list[0], MAK: list[1]}
	if l.withTDK {
		k.TDK = list[2]
	}
	return k, nil
}
