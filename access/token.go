package access

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"

	"github.com/posguard/posguard"
)

// tokenPrefix starts every secret, so that a leaked token is recognizable
// (secret scanners, logs).
const tokenPrefix = "pgt_"

// NewSecret returns a new token secret: 256 random bits, base64url, with a
// recognizable prefix.
func NewSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", posguard.WrapError(posguard.EINTERNAL, err, "token: random")
	}
	return tokenPrefix + base64.RawURLEncoding.EncodeToString(b), nil
}

// HashSecret is what the store keeps of a secret: hex SHA-256. (The secret
// has 256 random bits, so a fast hash is enough: there is nothing to guess.)
func HashSecret(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// wellFormed reports whether s looks like a secret NewSecret made (so that
// garbage never reaches the store).
func wellFormed(s string) bool {
	if !strings.HasPrefix(s, tokenPrefix) || len(s) != len(tokenPrefix)+43 {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(s[len(tokenPrefix):])
	return err == nil
}
