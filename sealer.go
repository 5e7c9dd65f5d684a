package posguard

// Sealer encrypts secrets at rest (terminal master keys, working keys) under
// the host key. Stores take one at open; keys.HostKey implements it.
type Sealer interface {
	// Seal encrypts plain; each call uses a fresh nonce.
	Seal(plain []byte) ([]byte, error)
	// Open decrypts what Seal produced; an error if it was altered.
	Open(sealed []byte) ([]byte, error)
}
