package console

import (
	"strconv"
	"strings"
	"time"

	"github.com/posguard/posguard"
)

// beijing is UTC+8, the zone every time in the console is shown in (the
// business calendar's).
var beijing = posguard.ChinaStandardTime

// yuan renders fen as 元 with two decimals and thousands separators:
// "1,234.56 元" in Chinese, "¥1,234.56" in English.
func yuan(lang string, a posguard.Amount) string {
	n := int64(a)
	neg := n < 0
	if neg {
		n = -n
	}
	whole, frac := n/100, n%100
	ds := strconv.FormatInt(whole, 10)
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	if lang == "en" {
		b.WriteString("¥")
	}
	for i, c := range ds {
		if i > 0 && (len(ds)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	b.WriteByte('.')
	if frac < 10 {
		b.WriteByte('0')
	}
	b.WriteString(strconv.FormatInt(frac, 10))
	if lang != "en" {
		b.WriteString(" 元")
	}
	return b.String()
}

// parseYuan reads an amount typed in 元 ("12.34", "1,234.5", "12") as fen.
// It refuses more than two decimals, signs and anything over 10^12 元.
func parseYuan(s string) (posguard.Amount, bool) {
	s = strings.ReplaceAll(strings.TrimSpace(s), ",", "")
	s = strings.TrimSuffix(strings.TrimPrefix(s, "¥"), "元")
	s = strings.TrimSpace(s)
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" && frac == "" || len(whole) > 12 || len(frac) > 2 {
		return 0, false
	}
	for len(frac) < 2 {
		frac += "0"
	}
	if whole == "" {
		whole = "0"
	}
	for _, c := range whole + frac {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	w, _ := strconv.ParseInt(whole, 10, 64)
	f, _ := strconv.ParseInt(frac, 10, 64)
	return posguard.Amount(w*100 + f), true
}

// clock renders t in UTC+8 ("2006-01-02 15:04:05"), "" for the zero time.
func clock(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(beijing).Format("2006-01-02 15:04:05")
}

// day renders t's date in UTC+8.
func day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(beijing).Format("2006-01-02")
}

// parseDay reads a YYYY-MM-DD date as the start of that day in UTC+8.
func parseDay(s string) (time.Time, bool) {
	t, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(s), beijing)
	return t, err == nil
}

// percent renders a ratio as a percentage with one decimal.
func percent(r float64) string {
	return strconv.FormatFloat(r*100, 'f', 1, 64) + "%"
}

// maskDigitRuns masks card-number-like digit runs in free text (evidence,
// notes, errors, audit changes) with the domain's rule, the API's too
// (posguard.MaskCardNumbers): merchant numbers stay readable.
func maskDigitRuns(s string) string { return posguard.MaskCardNumbers(s) }

// maskAccount keeps the last four characters of an account number.
func maskAccount(n string) string {
	if len(n) <= 4 {
		return strings.Repeat("*", len(n))
	}
	return strings.Repeat("*", len(n)-4) + n[len(n)-4:]
}
