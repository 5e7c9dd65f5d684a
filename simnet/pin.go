package simnet

import (
	"crypto/cipher"
	"crypto/des"

	"github.com/posguard/posguard"
)

// The simulated issuers verify PINs themselves: the host translates the
// terminal's PIN block to the zone PIN key, and simnet decrypts it with
// the same key (3DES-ECB) and reads it as an ISO 9564 format 0 block.

// zoneCipher returns the block cipher for a zone PIN key: 8 bytes single
// DES, 16 bytes double-length 3DES (K1 K2 K1) or 24 bytes triple-length.
func zoneCipher(key []byte) (cipher.Block, error) {
	switch len(key) {
	case 8:
		return des.NewCipher(key)
	case 16:
		k := make([]byte, 0, 24)
		k = append(append(k, key...), key[:8]...)
		return des.NewTripleDESCipher(k)
	case 24:
		return des.NewTripleDESCipher(key)
	}
	return nil, posguard.Errorf(posguard.EINVALID, "simnet: zone PIN key of %d bytes, want 8, 16 or 24", len(key))
}

// panBlock returns the PAN half of a format 0 block: four zero nibbles,
// then the 12 rightmost digits of the PAN excluding the check digit.
func panBlock(pan string) ([8]byte, bool) {
	var b [8]byte
	if len(pan) < 13 {
		return b, false
	}
	digits := pan[len(pan)-13 : len(pan)-1]
	for i := 0; i < 12; i++ {
		c := digits[i]
		if c < '0' || c > '9' {
			return b, false
		}
		nib := c - '0'
		pos := i + 4 // nibble index in the block
		if pos%2 == 0 {
			b[pos/2] |= nib << 4
		} else {
			b[pos/2] |= nib
		}
	}
	return b, true
}

// PINBlock returns the format 0 PIN block of pin for pan, encrypted under
// zoneKey: what the host sends in field 52. Tests and the simulated
// terminals use it. Returns EINVALID for a PIN that is not 4–12 digits, a
// PAN shorter than 13 digits or a bad key.
func PINBlock(zoneKey []byte, pan, pin string) ([]byte, error) {
	c, err := zoneCipher(zoneKey)
	if err != nil {
		return nil, err
	}
	if len(pin) < 4 || len(pin) > 12 {
		return nil, posguard.Errorf(posguard.EINVALID, "simnet: PIN must be 4 to 12 digits")
	}
	pb, ok := panBlock(pan)
	if !ok {
		return nil, posguard.Errorf(posguard.EINVALID, "simnet: PAN %s too short or not digits for a PIN block", posguard.MaskPAN(pan))
	}
	var clear [8]byte
	for i := range clear {
		clear[i] = 0xFF
	}
	clear[0] = byte(len(pin))
	for i := 0; i < len(pin); i++ {
		if pin[i] < '0' || pin[i] > '9' {
			return nil, posguard.Errorf(posguard.EINVALID, "simnet: PIN must be 4 to 12 digits")
		}
		pos := i + 2
		nib := pin[i] - '0'
		if pos%2 == 0 {
			clear[pos/2] = nib<<4 | 0x0F
		} else {
			clear[pos/2] = clear[pos/2]&0xF0 | nib
		}
	}
	for i := range clear {
		clear[i] ^= pb[i]
	}
	out := make([]byte, 8)
	c.Encrypt(out, clear[:])
	return out, nil
}

// pinMatches decrypts block under the zone key and compares the PIN it
// holds with want. Any malformed block is a mismatch. Neither the block
// nor the PIN leaves this function.
func pinMatches(c cipher.Block, block []byte, pan, want string) bool {
	if c == nil || len(block) != 8 {
		return false
	}
	pb, ok := panBlock(pan)
	if !ok {
		return false
	}
	var clear [8]byte
	c.Decrypt(clear[:], block)
	for i := range clear {
		clear[i] ^= pb[i]
	}
	if clear[0]>>4 != 0 {
		return false // not format 0
	}
	n := int(clear[0] & 0x0F)
	if n < 4 || n > 12 || n != len(want) {
		return false
	}
	for i := 0; i < 14; i++ {
		pos := i + 2
		nib := clear[pos/2] >> 4
		if pos%2 == 1 {
			nib = clear[pos/2] & 0x0F
		}
		if i < n {
			if nib > 9 || nib != want[i]-'0' {
				return false
			}
		} else if nib != 0x0F {
			return false
		}
	}
	return true
}
