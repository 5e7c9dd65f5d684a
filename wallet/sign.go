package wallet

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// SignatureHeader is the header that carries a body's signature.
const SignatureHeader = "X-Signature"

// Sign returns the lower-case hex HMAC-SHA256 of body keyed with key (spec
// §2.2): the signature of the exact bytes, not of a normalised form.
func Sign(key, body []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// Verify reports whether sig (hex, any case) is body's signature under key,
// comparing in constant time.
func Verify(key, body []byte, sig string) bool {
	got, err := hex.DecodeString(strings.ToLower(strings.TrimSpace(sig)))
	if err != nil || len(got) != sha256.Size {
		return false
	}
	m := hmac.New(sha256.New, key)
	m.Write(body)
	return hmac.Equal(got, m.Sum(nil))
}
