package http

import (
	"strings"
	"time"

	"github.com/posguard/posguard"
)

// timeFormat is how the API writes times: RFC 3339 in UTC.
const timeFormat = time.RFC3339

// formatTime renders t in UTC, "" for the zero time (omitted in JSON).
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(timeFormat)
}

// money is an amount as integer fen and as a yuan string.
type money struct {
	Fen  int64  `json:"amount"`
	Yuan string `json:"amount_yuan"`
}

// moneyOf renders a.
func moneyOf(a posguard.Amount) money { return money{Fen: int64(a), Yuan: a.String()} }

// Text is a message in Chinese and English.
type Text struct {
	ZH string `json:"zh"`
	EN string `json:"en"`
}

// maskDigitRuns replaces any run of 13 or more digits in s with its 6+4
// mask. The journal holds no full card number; this keeps free-text
// evidence (detail values, errors) from becoming a way for one to leave.
func maskDigitRuns(s string) string {
	var b strings.Builder
	run := 0
	flush := func(end int) {
		if run == 0 {
			return
		}
		digits := s[end-run : end]
		if run >= 13 {
			digits = posguard.MaskPAN(digits)
		}
		b.WriteString(digits)
		run = 0
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= '0' && c <= '9' {
			run++
			continue
		}
		flush(i)
		b.WriteByte(s[i])
	}
	flush(len(s))
	return b.String()
}

// maskDetail copies d with every value passed through maskDigitRuns; nil
// for an empty map.
func maskDetail(d map[string]string) map[string]string {
	if len(d) == 0 {
		return nil
	}
	out := make(map[string]string, len(d))
	for k, v := range d {
		out[k] = maskDigitRuns(v)
	}
	return out
}

// maskAccount keeps only the last four characters of an account number.
func maskAccount(n string) string {
	if len(n) <= 4 {
		return strings.Repeat("*", len(n))
	}
	return strings.Repeat("*", len(n)-4) + n[len(n)-4:]
}
