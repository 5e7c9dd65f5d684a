package settlement

import (
	"strconv"
	"strings"
	"testing"
)

// FuzzQRKeyID: no posting key makes the reader panic, and an id it reads
// is the number written in the key.
func FuzzQRKeyID(f *testing.F) {
	for _, s := range []string{"qr:Q12:approval", "qr:R3:refund", "txn:42:approval", "qr:", "qr:Q:x", "qr:Q-1:x", "qr:Q99999999999999999999:x", "qr:Q1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, key string) {
		kind, id, ok := qrKeyID(key)
		if !ok {
			return
		}
		rest := strings.TrimPrefix(key, "qr:"+string([]byte{kind}))
		i := strings.IndexByte(rest, ':')
		if n, err := strconv.ParseInt(rest[:max(i, 0)], 10, 64); id <= 0 || i < 1 || err != nil || n != id {
			t.Fatalf("%q: read %c %d", key, kind, id)
		}
	})
}
