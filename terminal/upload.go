package terminal

import (
	"strconv"
	"strings"

	"github.com/posguard/posguard"
)

// Batch upload (0320) field 48, the layout posguard takes (spec §6 names
// the message, not its detail): NN, the number of records (01–08), then
// each record of 40 digits:
//
//	card organisation n2 (00 CUP, domestic; others foreign)
//	STAN n6 (field 11 of the transaction)
//	PAN n20, right-aligned, zero-padded on the left
//	amount n12 (fen)
//
// 2 + 8 × 40 = 322 digits, field 48's maximum.
const (
	uploadRecordLen = 40
	maxUploadCount  = 8
)

// ParseUploadRecords reads field 48 of a batch upload. A field without
// records ("00") gives none; anything malformed is an error naming field
// 48. The PANs live in the returned records only (memory).
func ParseUploadRecords(s string) ([]posguard.UploadRecord, error) {
	if len(s) < 2 || !allDigits(s) {
		return nil, subErr(fTotals, 0, "batch upload: want NN and records of 40 digits")
	}
	n, _ := strconv.Atoi(s[:2])
	if n > maxUploadCount {
		return nil, subErr(fTotals, 0, "batch upload: "+strconv.Itoa(n)+" records, at most 8")
	}
	if len(s) != 2+n*uploadRecordLen {
		return nil, subErr(fTotals, 0, "batch upload: length "+strconv.Itoa(len(s))+", want "+strconv.Itoa(2+n*uploadRecordLen)+" for "+strconv.Itoa(n)+" records")
	}
	out := make([]posguard.UploadRecord, 0, n)
	for i := 0; i < n; i++ {
		r := s[2+i*uploadRecordLen : 2+(i+1)*uploadRecordLen]
		pan := strings.TrimLeft(r[8:28], "0")
		if len(pan) < 12 || len(pan) > 19 {
			return nil, subErr(fTotals, i+1, "batch upload record: card number of "+strconv.Itoa(len(pan))+" digits")
		}
		amt, _ := strconv.ParseInt(r[28:40], 10, 64)
		out = append(out, posguard.UploadRecord{CardOrg: r[:2], STAN: r[2:8], PAN: posguard.PAN(pan), Amount: posguard.Amount(amt)})
	}
	return out, nil
}

// UploadRecords returns field 48 of a batch upload carrying recs (at most
// 8; the rest are left out).
func UploadRecords(recs []posguard.UploadRecord) string {
	if len(recs) > maxUploadCount {
		recs = recs[:maxUploadCount]
	}
	var b strings.Builder
	b.WriteString(padDigits(strconv.Itoa(len(recs)), 2))
	for _, r := range recs {
		b.WriteString(padDigits(r.CardOrg, 2))
		b.WriteString(padDigits(r.STAN, 6))
		b.WriteString(padDigits(r.PAN.Reveal(), 20))
		b.WriteString(padDigits(strconv.FormatInt(int64(r.Amount), 10), 12))
	}
	return b.String()
}
