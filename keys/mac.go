package keys

import (
	"crypto/cipher"
	"crypto/des"
	"crypto/subtle"

	"github.com/posguard/posguard"
)

// MACLen is the length of field 64 in bytes.
const MACLen = 8

// MAC computes the field 64 value of data under key with algorithm alg:
//
//   - posguard.MACCupsECB ("cups-ecb", spec §5): data is padded with 0x00 to a
//     multiple of 8 (data already a multiple of 8 gets no extra block) and its
//     blocks XORed into R; H is R as 16 upper-case hex characters;
//     E1 = enc(key, H[0:8]); E2 = enc(key, E1 XOR H[8:16]); the MAC is the
//     first 8 upper-case hex characters of E2, as 8 ASCII bytes. enc is DES for
//     an 8-byte key and 3DES for a 16- or 24-byte one.
//   - posguard.MACX919 ("x919", ANSI X9.19 retail MAC, ISO 9797-1 algorithm
//     3): single-DES CBC-MAC under K1 (the first 8 key bytes) over the
//     0x00-padded data, then the last block is decrypted with K2 and encrypted
//     again with K1. The key must be 16 bytes, or 8 bytes for a plain DES
//     CBC-MAC. Field 64 holds the 8 result bytes as they are (binary), not
//     hex characters: X9.19 output is binary and this is the common choice of
//     terminals that use it. Empty data is MACed as one block of zeros.
//
// EINVALID for an unknown algorithm or a key of the wrong length.
func MAC(alg string, key, data []byte) ([]byte, error) {
	switch alg {
	case posguard.MACCupsECB:
		return macCupsECB(key, data)
	case posguard.MACX919:
		return macX919(key, data)
	}
	return nil, posguard.Errorf(posguard.EINVALID, "keys: unknown MAC algorithm %q", alg)
}

// VerifyMAC reports whether mac is the MAC of data under key with alg,
// comparing in constant time. It is false for any error (unknown algorithm,
// bad key) and for a mac of the wrong length.
func VerifyMAC(alg string, key, data, mac []byte) bool {
	want, err := MAC(alg, key, data)
	if err != nil || len(mac) != len(want) {
		return false
	}
	return subtle.ConstantTimeCompare(want, mac) == 1
}

// xorBlocks XORs data, padded with zeros to a multiple of 8, into one block.
func xorBlocks(data []byte) [BlockSize]byte {
	var r [BlockSize]byte
	for i, b := range data {
		r[i%BlockSize] ^= b
	}
	return r
}

func macCupsECB(key, data []byte) ([]byte, error) {
	b, err := newBlock(key)
	if err != nil {
		return nil, err
	}
	r := xorBlocks(data)
	var h [2 * BlockSize]byte
	hexUpper(h[:], r[:])
	var e [BlockSize]byte
	b.Encrypt(e[:], h[:BlockSize])
	subtle.XORBytes(e[:], e[:], h[BlockSize:])
	b.Encrypt(e[:], e[:])
	var eh [2 * BlockSize]byte
	hexUpper(eh[:], e[:])
	out := make([]byte, MACLen)
	copy(out, eh[:MACLen])
	return out, nil
}

// hexUpper writes src as upper-case hexadecimal into dst (2*len(src) bytes).
func hexUpper(dst, src []byte) {
	const digits = "0123456789ABCDEF"
	for i, v := range src {
		dst[2*i] = digits[v>>4]
		dst[2*i+1] = digits[v&0x0F]
	}
}

func macX919(key, data []byte) ([]byte, error) {
	if len(key) != 8 && len(key) != 16 {
		return nil, posguard.Errorf(posguard.EINVALID, "keys: x919 MAC key length %d, want 8 or 16 bytes", len(key))
	}
	k1, err := des.NewCipher(key[:8])
	if err != nil {
		return nil, err
	}
	var chain [BlockSize]byte
	var block [BlockSize]byte
	n := len(data)
	if n == 0 {
		n = BlockSize // one block of zeros
	}
	for i := 0; i < n; i += BlockSize {
		block = [BlockSize]byte{}
		if i < len(data) {
			copy(block[:], data[i:min(i+BlockSize, len(data))])
		}
		subtle.XORBytes(chain[:], chain[:], block[:])
		k1.Encrypt(chain[:], chain[:])
	}
	if len(key) == 16 {
		var k2 cipher.Block
		if k2, err = des.NewCipher(key[8:]); err != nil {
			return nil, err
		}
		k2.Decrypt(chain[:], chain[:])
		k1.Encrypt(chain[:], chain[:])
	}
	out := make([]byte, MACLen)
	copy(out, chain[:])
	return out, nil
}
