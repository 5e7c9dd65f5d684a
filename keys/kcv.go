package keys

// CheckValueLen is the length of a key check value in bytes.
const CheckValueLen = 4

// CheckValue returns the key check value (KCV) of key: the first 4 bytes of
// key encrypting 8 zero bytes (DES or 3DES according to the key length). It
// returns nil for a key of an unsupported length.
func CheckValue(key []byte) []byte {
	b, err := newBlock(key)
	if err != nil {
		return nil
	}
	var out [BlockSize]byte
	b.Encrypt(out[:], out[:])
	kcv := make([]byte, CheckValueLen)
	copy(kcv, out[:CheckValueLen])
	return kcv
}
