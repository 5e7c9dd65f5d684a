package terminal

import (
	"github.com/posguard/posguard"
	"github.com/posguard/posguard/keys"
)

// Field62Len returns the length of a sign-on answer's field 62 for key
// scheme: 24 for 001, 40 for 003 and 60 for 004. EINVALID for an unknown
// scheme.
func Field62Len(scheme string) (int, error) {
	names, keyLen, err := keys.SchemeKeys(scheme)
	if err != nil {
		return 0, err
	}
	return len(names) * (keyLen + keys.CheckValueLen), nil
}

// EncodeField62 builds the sign-on answer's field 62: each working key of
// the scheme, in order PIK, MAK (and TDK for 004), encrypted under the
// terminal master key with 3DES-ECB and followed by the 4-byte check value
// of the clear key (keys.WrapKey). EINVALID when the TMK is not 16 or 24
// bytes, the scheme is unknown, or a key has the wrong length for it.
func EncodeField62(tmk []byte, scheme string, k posguard.WorkingKeys) ([]byte, error) {
	if err := keys.CheckTMK(tmk); err != nil {
		return nil, err
	}
	list, err := keys.KeyList(scheme, k)
	if err != nil {
		return nil, err
	}
	n, _ := Field62Len(scheme)
	out := make([]byte, 0, n)
	for _, key := range list {
		w, err := keys.WrapKey(tmk, key)
		if err != nil {
			return nil, err
		}
		out = append(out, w...)
	}
	return out, nil
}

// DecodeField62 is the inverse of EncodeField62, used by a terminal (and the
// simulated one) to install the keys delivered at sign-on. It decrypts each
// key under the TMK and verifies its check value. EINVALID when the field has
// the wrong length for scheme, and EINVALID wrapping a *keys.CheckValueError
// that names the key when a check value does not match.
func DecodeField62(tmk []byte, scheme string, f62 []byte) (posguard.WorkingKeys, error) {
	names, keyLen, err := keys.SchemeKeys(scheme)
	if err != nil {
		return posguard.WorkingKeys{}, err
	}
	if err := keys.CheckTMK(tmk); err != nil {
		return posguard.WorkingKeys{}, err
	}
	step := keyLen + keys.CheckValueLen
	if len(f62) != len(names)*step {
		return posguard.WorkingKeys{}, posguard.Errorf(posguard.EINVALID, "field 62: length %d, want %d for key scheme %s", len(f62), len(names)*step, scheme)
	}
	list := make([][]byte, 0, len(names))
	for i, name := range names {
		key, err := keys.UnwrapKey(tmk, f62[i*step:(i+1)*step], name)
		if err != nil {
			for _, k := range list {
				clear(k)
			}
			return posguard.WorkingKeys{}, err
		}
		list = append(list, key)
	}
	k := posguard.WorkingKeys{PIK: list[0], MAK: list[1]}
	if len(list) > 2 {
		k.TDK = list[2]
	}
	return k, nil
}
