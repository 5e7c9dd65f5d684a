package console

import (
	"strconv"
	"time"

	"github.com/posguard/posguard"
)

// Fields the transaction search and the QR order search read alike.

// dayRange reads a search's from and to days, to covering its whole day.
// On a bad value it names the field and why.
func dayRange(from, to string) (start, end time.Time, field, why string) {
	if from != "" {
		t, ok := parseDay(from)
		if !ok {
			return start, end, "from", "YYYY-MM-DD"
		}
		start = t
	}
	if to != "" {
		t, ok := parseDay(to)
		if !ok {
			return start, end, "to", "YYYY-MM-DD"
		}
		end = t.AddDate(0, 0, 1) // the whole day
	}
	if !start.IsZero() && !end.IsZero() && !start.Before(end) {
		return start, end, "to", "before from"
	}
	return start, end, "", ""
}

// searchMerchant is the merchant a search is of: for staff the one typed,
// if any (ok is false when it is not up to 15 letters or digits); for a
// merchant user always its own, whatever was typed, and the typed field is
// cleared.
func searchMerchant(u *posguard.User, typed *string) (id string, ok bool) {
	if !u.Staff() {
		*typed = ""
		return u.MerchantID, true
	}
	if *typed != "" && (len(*typed) > 15 || !alnum(*typed)) {
		return "", false
	}
	return *typed, true
}

// parseCursor reads a list page's cursor: a row id above 0.
func parseCursor(v string) (int64, bool) {
	n, err := strconv.ParseInt(v, 10, 64)
	return n, err == nil && n > 0
}
