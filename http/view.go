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

// yuan renders an amount in fen as the yuan string the API writes beside
// it (`"amount": 1234, "amount_yuan": "12.34"`).
func yuan(a posguard.Amount) string { return a.String() }

// Text is a message in Chinese and English.
type Text struct {
	ZH string `json:"zh"`
	EN string `json:"en"`
}

// maskDigitRuns masks card-number-like digit runs in free text (see
// posguard.MaskCardNumbers). The journal holds no full card number; this
// keeps free-text evidence (detail values, errors) from becoming a way for
// one to leave, while merchant numbers stay readable.
func maskDigitRuns(s string) string { return posguard.MaskCardNumbers(s) }

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
