package onboarding

import (
	"strings"
	"time"
)

// creditCodeChars are the 31 characters of a unified social credit code
// (GB 32100-2015): digits and upper-case letters without I, O, Z, S, V.
const creditCodeChars = "0123456789ABCDEFGHJKLMNPQRTUWXY"

var creditCodeWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// CreditCodeCheck returns the check character a unified social credit code
// whose first 17 characters are s17 must end with; ok is false when s17 is
// not 17 characters of the code's alphabet.
func CreditCodeCheck(s17 string) (byte, bool) {
	if len(s17) != 17 {
		return 0, false
	}
	sum := 0
	for i := 0; i < 17; i++ {
		v := strings.IndexByte(creditCodeChars, s17[i])
		if v < 0 {
			return 0, false
		}
		sum += v * creditCodeWeights[i]
	}
	c := 31 - sum%31
	if c == 31 {
		c = 0
	}
	return creditCodeChars[c], true
}

// ValidCreditCode reports whether s is an 18-character unified social
// credit code with the right check character.
func ValidCreditCode(s string) bool {
	if len(s) != 18 {
		return false
	}
	c, ok := CreditCodeCheck(s[:17])
	return ok && s[17] == c
}

var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// IDCheck returns the check character (0–9 or X) of a resident ID number
// whose first 17 digits are d17 (GB 11643-1999); ok is false when d17 is
// not 17 digits.
func IDCheck(d17 string) (byte, bool) {
	if len(d17) != 17 {
		return 0, false
	}
	sum := 0
	for i := 0; i < 17; i++ {
		if d17[i] < '0' || d17[i] > '9' {
			return 0, false
		}
		sum += int(d17[i]-'0') * idWeights[i]
	}
	return "10X98765432"[sum%11], true
}

// IDProblem is what is wrong with a resident ID number.
type IDProblem int

// ID number problems.
const (
	IDOK         IDProblem = iota
	IDFormat               // not 17 digits and a check character
	IDCheckDigit           // the check character is wrong
	IDBirthDate            // the birth date is not a date, in the future, or implausible
)

// MinAge and MaxAge bound a plausible legal person's age in years.
const (
	MinAge = 16
	MaxAge = 120
)

// CheckID checks an 18-character resident ID number at now: format, check
// character (GB 11643) and a plausible birth date (a real date making the
// holder between MinAge and MaxAge years old).
func CheckID(s string, now time.Time) IDProblem {
	if len(s) != 18 {
		return IDFormat
	}
	c, ok := IDCheck(s[:17])
	if !ok || (s[17] != 'X' && (s[17] < '0' || s[17] > '9')) {
		return IDFormat
	}
	if s[17] != c {
		return IDCheckDigit
	}
	birth, err := time.Parse("20060102", s[6:14])
	if err != nil {
		return IDBirthDate
	}
	if birth.After(now.AddDate(-MinAge, 0, 0)) || birth.Before(now.AddDate(-MaxAge, 0, 0)) {
		return IDBirthDate
	}
	return IDOK
}

// ValidPhone reports whether s is a mainland China mobile number: 11
// digits starting 13–19.
func ValidPhone(s string) bool {
	if len(s) != 11 || s[0] != '1' || s[1] < '3' || s[1] > '9' {
		return false
	}
	for i := 2; i < 11; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
