package keys

import (
	"crypto/cipher"
	"crypto/des"

	"github.com/posguard/posguard"
)

// BlockSize is the DES block size in bytes.
const BlockSize = des.BlockSize

// newBlock returns the DES cipher for an 8-byte key and the 3DES cipher for a
// 16-byte (K1 K2 K1) or 24-byte (K1 K2 K3) key, from the block cache when
// the key was used recently.
func newBlock(key []byte) (cipher.Block, error) {
	return cachedBlock(key, buildBlock)
}

// buildBlock builds the cipher for key (see newBlock).
func buildBlock(key []byte) (cipher.Block, error) {
	switch len(key) {
	case 8:
		return des.NewCipher(key)
	case 16:
		var k [24]byte
		copy(k[:16], key)
		copy(k[16:], key[:8])
		b, err := des.NewTripleDESCipher(k[:])
		clear(k[:])
		return b, err
	case 24:
		return des.NewTripleDESCipher(key)
	}
	return nil, posguard.Errorf(posguard.EINVALID, "keys: key length %d, want 8, 16 or 24 bytes", len(key))
}

// checkBlocks reports an error unless data is a whole number of DES blocks.
func checkBlocks(data []byte) error {
	if len(data)%BlockSize != 0 {
		return posguard.Errorf(posguard.EINVALID, "keys: data length %d is not a multiple of %d", len(data), BlockSize)
	}
	return nil
}

// EncryptECB encrypts data in ECB mode: DES for an 8-byte key, 3DES for a
// 16-byte (K1 K2 K1) or 24-byte key. data must be a multiple of 8 bytes long
// (an empty slice gives an empty result). It returns a new slice.
func EncryptECB(key, data []byte) ([]byte, error) {
	return ecb(key, data, true)
}

// DecryptECB is the inverse of EncryptECB, with the same key and length rules.
func DecryptECB(key, data []byte) ([]byte, error) {
	return ecb(key, data, false)
}

func ecb(key, data []byte, encrypt bool) ([]byte, error) {
	b, err := newBlock(key)
	if err != nil {
		return nil, err
	}
	if err := checkBlocks(data); err != nil {
		return nil, err
	}
	out := make([]byte, len(data))
	for i := 0; i < len(data); i += BlockSize {
		if encrypt {
			b.Encrypt(out[i:i+BlockSize], data[i:i+BlockSize])
		} else {
			b.Decrypt(out[i:i+BlockSize], data[i:i+BlockSize])
		}
	}
	return out, nil
}

// SetOddParity sets the low bit of every byte of key so that each byte has an
// odd number of one bits, as DES keys conventionally do. It changes key in
// place; the DES algorithm itself ignores these bits.
func SetOddParity(key []byte) {
	for i, b := range key {
		b &^= 1
		ones := 0
		for v := b; v != 0; v &= v - 1 {
			ones++
		}
		if ones%2 == 0 {
			b |= 1
		}
		key[i] = b
	}
}

// HasOddParity reports whether every byte of key has odd parity.
func HasOddParity(key []byte) bool {
	for _, b := range key {
		ones := 0
		for v := b; v != 0; v &= v - 1 {
			ones++
		}
		if ones%2 == 0 {
			return false
		}
	}
	return true
}
