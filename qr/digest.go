package qr

import (
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strconv"
)

// Content digests: the idempotency digest of a merchant request is the
// SHA-256 over its fields as given, each written "name=" + "s:" text or
// "i:" integer + NUL, in name order (an absent field is left out, so it
// differs from an empty one). The API builds it from the JSON body; the
// console's refund form from its fields, so that a refund number sent
// both ways with the same content is one refund.

// Digest returns the content digest of fields (name → "s:text" or
// "i:integer").
func Digest(fields map[string]string) string {
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	h := sha256.New()
	for _, k := range keys {
		h.Write([]byte(k + "=" + fields[k] + "\x00"))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// RefundDigest is the digest of a refund request with these fields, as
// POST /v1/qr/orders/{id}/refunds computes it; an empty reason is absent.
func RefundDigest(outRefundNo string, amount int64, reason string) string {
	f := map[string]string{"out_refund_no": "s:" + outRefundNo, "amount": "i:" + strconv.FormatInt(amount, 10)}
	if reason != "" {
		f["reason"] = "s:" + reason
	}
	return Digest(f)
}
