package posguard

import (
	"encoding/binary"
)

// Sealer encrypts secrets at rest (terminal master keys, working keys,
// secret settings) under the host key. Stores take one at open;
// keys.HostKey implements it.
//
// Every sealed value is bound to its place in the store by associated data
// (SealAD: the table, the row's key and the column): a value copied into
// another row, or another column, does not open there.
type Sealer interface {
	// Seal encrypts plain bound to ad; each call uses a fresh nonce.
	Seal(plain, ad []byte) ([]byte, error)
	// Open decrypts what Seal produced under the same ad. EINTERNAL if the
	// value was altered, was sealed for another place (ad differs) or under
	// another host key.
	Open(sealed, ad []byte) ([]byte, error)
}

// sealADVersion starts every associated data, so that a later layout can
// never be confused with this one.
const sealADVersion = "posguard seal v2"

// SealAD returns the associated data binding a sealed value to its place:
// table, the row's primary key (its parts in order) and column. Each part
// is length-prefixed, so no two different places give the same bytes.
func SealAD(table, column string, key ...string) []byte {
	parts := append([]string{sealADVersion, table, column}, key...)
	n := 0
	for _, p := range parts {
		n += 4 + len(p)
	}
	b := make([]byte, 0, n)
	for _, p := range parts {
		b = binary.BigEndian.AppendUint32(b, uint32(len(p)))
		b = append(b, p...)
	}
	return b
}
