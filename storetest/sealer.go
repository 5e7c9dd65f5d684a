package storetest

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
)

// Sealer is a small AES-256-GCM posguard.Sealer for tests: sealed bytes are
// nonce || ciphertext+tag, so the clear key never appears in a store.
type Sealer struct {
	aead cipher.AEAD
}

// NewSealer returns a Sealer under a fresh random key.
func NewSealer() *Sealer {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		panic(err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		panic(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return &Sealer{aead: aead}
}

// Seal encrypts plain bound to ad under a fresh nonce.
func (s *Sealer) Seal(plain, ad []byte) ([]byte, error) {
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return s.aead.Seal(nonce, nonce, plain, ad), nil
}

// Open decrypts what Seal produced under the same ad; an error if it was
// altered or ad differs.
func (s *Sealer) Open(sealed, ad []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n+s.aead.Overhead() {
		return nil, errors.New("storetest: sealed value too short")
	}
	return s.aead.Open(nil, sealed[:n], sealed[n:], ad)
}
