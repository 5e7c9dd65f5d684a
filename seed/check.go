package seed

import (
	"encoding/hex"
	"regexp"
	"strings"
	"time"

	posguard "github.com/posguard/posguard"
)

var (
	merchantID = regexp.MustCompile(`^[0-9A-Za-z]{15}$`)
	terminalID = regexp.MustCompile(`^[0-9A-Za-z]{8}$`)
	acquirerID = regexp.MustCompile(`^[0-9]{1,11}$`)
	mcc        = regexp.MustCompile(`^[0-9]{4}$`)
	window     = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]$`)
)

// key16 decodes a 16-byte key written as 32 hex digits.
func key16(s string) ([]byte, bool) {
	if len(s) != 32 {
		return nil, false
	}
	b, err := hex.DecodeString(s)
	return b, err == nil
}

// luhnValid reports whether the digits of pan end in a valid Luhn check digit.
func luhnValid(pan string) bool {
	sum, double := 0, false
	for i := len(pan) - 1; i >= 0; i-- {
		d := int(pan[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

// validExpiry reports whether s is YYMM with a month from 01 to 12.
func validExpiry(s string) bool {
	if len(s) != 4 || !allDigits(s) {
		return false
	}
	mm := (s[2]-'0')*10 + (s[3] - '0')
	return mm >= 1 && mm <= 12
}

// parseSince reads an RFC 3339 time or a date (midnight UTC).
func parseSince(s string) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), true
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, true
	}
	return time.Time{}, false
}

// financialTypes are the transaction types a merchant's allowed_types may
// name.
var financialTypes = []posguard.TxnType{
	posguard.TxnInquiry, posguard.TxnSale, posguard.TxnVoid, posguard.TxnRefund,
	posguard.TxnPreAuth, posguard.TxnPreAuthCancel, posguard.TxnCompletion, posguard.TxnCompletionVoid,
}

func typeNames() string {
	names := make([]string, len(financialTypes))
	for i, t := range financialTypes {
		names[i] = string(t)
	}
	return strings.Join(names, ", ")
}

// oneOf reports whether s is one of the choices.
func oneOf(s string, choices ...string) bool {
	for _, c := range choices {
		if s == c {
			return true
		}
	}
	return false
}

// allDigits reports whether s is a non-empty run of ASCII digits.
func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
