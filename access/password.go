package access

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"

	"github.com/posguard/posguard"
)

// argon2id parameters (OWASP's first recommended set: 19 MiB, 2 passes, 1
// lane). They are written into every hash, so raising them later keeps old
// hashes readable.
const (
	argonMemory  = 19 * 1024 // KiB
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// MaxPasswordLen bounds a password (hashing a megabyte would be a cheap way
// to burn the host's CPU).
const MaxPasswordLen = 256

// MinPasswordLen is the shortest password a user may set.
const MinPasswordLen = 8

// HashPassword returns password's argon2id hash in the PHC string format
// ($argon2id$v=19$m=…,t=…,p=…$salt$hash) with a fresh random salt.
func HashPassword(password string) (string, error) {
	if len(password) > MaxPasswordLen {
		return "", posguard.Errorf(posguard.EINVALID, "password: at most %d bytes", MaxPasswordLen)
	}
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", posguard.WrapError(posguard.EINTERNAL, err, "password: random salt")
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// CheckPassword reports whether password matches encoded (a HashPassword
// result). The comparison of the derived keys takes constant time; a
// malformed hash never matches.
func CheckPassword(encoded, password string) bool {
	if len(password) > MaxPasswordLen {
		return false
	}
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var version int
	var mem, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &mem, &t, &p); err != nil || mem == 0 || mem > 1<<18 || t == 0 || t > 16 || p == 0 {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) == 0 || len(want) > 64 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, mem, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is checked against when a name is unknown, so that an unknown
// name costs the same time as a wrong password.
var dummyHash, _ = HashPassword("posguard: no such user")

// passwordAlphabet leaves out characters easily confused (0/O, 1/l/I).
const passwordAlphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// GeneratePassword returns a random password of 20 characters (about 116
// bits).
func GeneratePassword() (string, error) {
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		return "", posguard.WrapError(posguard.EINTERNAL, err, "password: random")
	}
	for i := range b {
		// 256 is not a multiple of 56: the first 32 letters are very slightly
		// more likely; 116 bits stay well beyond guessing.
		b[i] = passwordAlphabet[int(b[i])%len(passwordAlphabet)]
	}
	return string(b), nil
}

// ValidPassword checks a new password's length.
func ValidPassword(p string) error {
	if len(p) < MinPasswordLen {
		return posguard.Errorf(posguard.EINVALID, "password: at least %d characters", MinPasswordLen)
	}
	if len(p) > MaxPasswordLen {
		return posguard.Errorf(posguard.EINVALID, "password: at most %d bytes", MaxPasswordLen)
	}
	return nil
}
