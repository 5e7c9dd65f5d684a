package posguard

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"testing"
	"time"
)

// auditHashReference is AuditHash as first written (a field at a time into
// the hash): the chain's hashes must never change.
func auditHashReference(prev string, r *AuditRecord) string {
	h := sha256.New()
	field := func(s string) {
		h.Write([]byte(strconv.Itoa(len(s))))
		h.Write([]byte{':'})
		h.Write([]byte(s))
	}
	field(prev)
	field(strconv.FormatInt(r.ID, 10))
	field(strconv.FormatInt(r.At.UTC().UnixNano(), 10))
	field(r.User)
	field(string(r.Role))
	field(r.Remote)
	field(r.Action)
	field(r.Object)
	field(r.Outcome)
	field(r.Changes)
	return hex.EncodeToString(h.Sum(nil))
}

// TestAuditHash: a record of a log written by an earlier version hashes
// as it was written (its chain still verifies), and every record hashes as
// the reference does, short and long (past AuditHash's stack buffer),
// with negative ids and times.
func TestAuditHash(t *testing.T) {
	at := time.Date(2026, 12, 7, 3, 4, 5, 123456000, time.FixedZone("UTC+8", 8*3600))
	r := &AuditRecord{ID: 5097, At: time.Unix(0, 1796646363433394000), User: "bench-erp", Role: RoleMerchant,
		Remote: "127.0.0.1:50316", Action: "POST /v1/qr/orders", Object: "Q5097", Outcome: "ok",
		Changes: `{"after":{"amount":737,"id":"Q5097","out_order_no":"B2-637","state":"paying"},"before":null}`}
	const prev = "d161b5604b2d9ef9755f6c0deeacf296dec292690bafec395db819ef1ef73f43"
	if got, want := AuditHash(prev, r), "6f909e362e740feee4446386422646c6b107ec261cc086f7af2e599bc15974e2"; got != want {
		t.Fatalf("AuditHash = %s, want %s as written", got, want)
	}
	for _, c := range []struct {
		prev string
		r    AuditRecord
	}{
		{"", AuditRecord{}},
		{"", AuditRecord{ID: 1, At: at, User: "admin", Action: "login", Outcome: "denied"}},
		{prev, AuditRecord{ID: -3, At: time.Unix(-5, 0), User: "用户", Changes: "{}"}},
		{strings.Repeat("p", 2000), AuditRecord{ID: 1 << 62, At: at, Object: "o", Changes: strings.Repeat("x", 5000)}},
		{prev, AuditRecord{ID: 7, At: at, Action: "a", Changes: strings.Repeat("y", 1024-120)}},
	} {
		if got, want := AuditHash(c.prev, &c.r), auditHashReference(c.prev, &c.r); got != want {
			t.Errorf("AuditHash(%.20q, %+.60v) = %s, want %s", c.prev, c.r, got, want)
		}
	}
}

func BenchmarkAuditHash(b *testing.B) {
	r := &AuditRecord{ID: 5097, At: time.Now(), User: "bench-erp", Role: RoleMerchant, Remote: "127.0.0.1:50316",
		Action: "POST /v1/qr/orders", Object: "Q5097", Outcome: "ok",
		Changes: `{"after":{"amount":737,"id":"Q5097","out_order_no":"B2-637","state":"paying"},"before":null}`}
	const prev = "d161b5604b2d9ef9755f6c0deeacf296dec292690bafec395db819ef1ef73f43"
	b.ReportAllocs()
	for b.Loop() {
		AuditHash(prev, r)
	}
}
