package keys

import (
	"github.com/posguard/posguard"
)

// PINBlockLen is the length of an ISO 9564 PIN block in bytes.
const PINBlockLen = 8

// Allowed PIN lengths of an ISO 9564 format-0 block.
const (
	MinPINLen = 4
	MaxPINLen = 12
)

// PINBlockError reports a PIN block (field 52) that is not a valid format-0
// block for the card. Its reason never holds PIN digits. Functions of this
// package return it wrapped in a posguard.Error with EINVALID.
type PINBlockError struct {
	Reason string
}

// Error names field 52 and the reason.
func (e *PINBlockError) Error() string { return "field 52: " + e.Reason }

func pinBlockError(reason string) error {
	return posguard.WrapError(posguard.EINVALID, &PINBlockError{Reason: reason}, "keys")
}

// panField fills f with the PAN half of a format-0 block: four zero nibbles,
// then the 12 rightmost PAN digits excluding the check digit (left-padded
// with zeros for a short PAN).
func panField(f *[PINBlockLen]byte, pan posguard.PAN) error {
	p := pan.Reveal()
	if len(p) < 8 || len(p) > 19 {
		return posguard.Errorf(posguard.EINVALID, "keys: PAN length %d, want 8 to 19 digits", len(p))
	}
	for i := 0; i < len(p); i++ {
		if p[i] < '0' || p[i] > '9' {
			return posguard.Errorf(posguard.EINVALID, "keys: PAN holds a non-digit at position %d", i+1)
		}
	}
	*f = [PINBlockLen]byte{}
	digits := p[:len(p)-1] // drop the check digit
	if len(digits) > 12 {
		digits = digits[len(digits)-12:]
	}
	// nibble positions 4..15 hold the 12 digits, right-aligned.
	start := 16 - len(digits)
	for i := 0; i < len(digits); i++ {
		setNibble(f, start+i, digits[i]-'0')
	}
	return nil
}

func setNibble(b *[PINBlockLen]byte, i int, v byte) {
	if i%2 == 0 {
		b[i/2] = b[i/2]&0x0F | v<<4
	} else {
		b[i/2] = b[i/2]&0xF0 | v&0x0F
	}
}

func nibble(b *[PINBlockLen]byte, i int) byte {
	if i%2 == 0 {
		return b[i/2] >> 4
	}
	return b[i/2] & 0x0F
}

// EncodePINBlock returns the clear ISO 9564 format-0 PIN block of pin (4 to
// 12 digits) for pan: the PIN field (0, length, digits, F padding) XOR the
// PAN field. EINVALID for a malformed PIN or PAN; the error never holds the
// PIN.
func EncodePINBlock(pin string, pan posguard.PAN) ([]byte, error) {
	if len(pin) < MinPINLen || len(pin) > MaxPINLen {
		return nil, posguard.Errorf(posguard.EINVALID, "keys: PIN must be %d to %d digits", MinPINLen, MaxPINLen)
	}
	for i := 0; i < len(pin); i++ {
		if pin[i] < '0' || pin[i] > '9' {
			return nil, posguard.Errorf(posguard.EINVALID, "keys: PIN must be digits only")
		}
	}
	var pf, af [PINBlockLen]byte
	if err := panField(&af, pan); err != nil {
		return nil, err
	}
	pf[0] = byte(len(pin)) // format nibble 0, length nibble
	for i := 2; i < 16; i++ {
		v := byte(0x0F)
		if i-2 < len(pin) {
			v = pin[i-2] - '0'
		}
		setNibble(&pf, i, v)
	}
	out := make([]byte, PINBlockLen)
	for i := range out {
		out[i] = pf[i] ^ af[i]
	}
	clear(pf[:])
	return out, nil
}

// checkFormat0 removes the PAN field from the clear block b (in place) and
// checks the PIN field: format nibble 0, length 4 to 12, decimal digits, F
// padding. It returns the PIN length.
func checkFormat0(b *[PINBlockLen]byte, pan posguard.PAN) (int, error) {
	var af [PINBlockLen]byte
	if err := panField(&af, pan); err != nil {
		return 0, err
	}
	for i := range b {
		b[i] ^= af[i]
	}
	if nibble(b, 0) != 0 {
		return 0, pinBlockError("not an ISO 9564 format-0 block")
	}
	n := int(nibble(b, 1))
	if n < MinPINLen || n > MaxPINLen {
		return 0, pinBlockError("PIN length out of range 4 to 12")
	}
	for i := 2; i < 16; i++ {
		v := nibble(b, i)
		if i-2 < n {
			if v > 9 {
				return 0, pinBlockError("PIN holds a non-decimal digit")
			}
		} else if v != 0x0F {
			return 0, pinBlockError("PIN padding is not F")
		}
	}
	return n, nil
}

// DecodePINBlock returns the PIN held in the clear format-0 block for pan.
// EINVALID wrapping a *PINBlockError when the block is not a valid format-0
// block (format nibble, PIN length 4 to 12, digits, F padding); the error
// never holds PIN digits.
func DecodePINBlock(block []byte, pan posguard.PAN) (string, error) {
	if len(block) != PINBlockLen {
		return "", pinBlockError("PIN block must be 8 bytes")
	}
	var b [PINBlockLen]byte
	copy(b[:], block)
	defer clear(b[:])
	n, err := checkFormat0(&b, pan)
	if err != nil {
		return "", err
	}
	var digits [MaxPINLen]byte
	defer clear(digits[:])
	for i := 0; i < n; i++ {
		digits[i] = '0' + nibble(&b, i+2)
	}
	return string(digits[:n]), nil
}

// EncryptPINBlock encrypts a clear 8-byte PIN block under key (DES for an
// 8-byte key, 3DES otherwise).
func EncryptPINBlock(key []byte, clearBlock []byte) ([]byte, error) {
	if len(clearBlock) != PINBlockLen {
		return nil, pinBlockError("PIN block must be 8 bytes")
	}
	return EncryptECB(key, clearBlock)
}

// DecryptPINBlock decrypts block under key and returns the PIN it holds for
// pan, for an issuer that must compare it (the simulated network). Same
// errors as DecodePINBlock.
func DecryptPINBlock(key []byte, block []byte, pan posguard.PAN) (string, error) {
	if len(block) != PINBlockLen {
		return "", pinBlockError("PIN block must be 8 bytes")
	}
	c, err := newBlock(key)
	if err != nil {
		return "", err
	}
	var b [PINBlockLen]byte
	defer clear(b[:])
	c.Decrypt(b[:], block)
	return DecodePINBlock(b[:], pan)
}

// TranslatePIN decrypts the PIN block under fromKey (the terminal's PIK),
// checks that it is a valid format-0 block for pan, and encrypts it under
// toKey (the network's zone PIN key). The clear block never leaves this
// function and is zeroed before it returns. EINVALID for bad keys or PAN, and
// EINVALID wrapping a *PINBlockError for a block that does not decode.
func TranslatePIN(fromKey, toKey []byte, block []byte, pan posguard.PAN) ([]byte, error) {
	if len(block) != PINBlockLen {
		return nil, pinBlockError("PIN block must be 8 bytes")
	}
	from, err := newBlock(fromKey)
	if err != nil {
		return nil, err
	}
	to, err := newBlock(toKey)
	if err != nil {
		return nil, err
	}
	var plain, check [PINBlockLen]byte
	defer clear(plain[:])
	defer clear(check[:])
	from.Decrypt(plain[:], block)
	check = plain
	if _, err := checkFormat0(&check, pan); err != nil {
		return nil, err
	}
	out := make([]byte, PINBlockLen)
	to.Encrypt(out, plain[:])
	return out, nil
}
