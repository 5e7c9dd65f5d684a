package posguard

import "time"

// ChinaStandardTime is UTC+8, the time zone of posguard's merchants and of
// the card network's business day.
var ChinaStandardTime = time.FixedZone("CST", 8*3600)

// DefaultCutoff is the local time of day at which the settlement day rolls
// over when none is configured: 23:00.
const DefaultCutoff = 23 * time.Hour

// Calendar is posguard's one business calendar: the time zone business
// dates are kept in, and the cut-off at which the settlement day rolls
// over. The switch dates transactions with it, settlement and payouts date
// postings with it, and the merchant sees its dates. The zero value is
// UTC+8 with a 23:00 cut-off.
type Calendar struct {
	// Location is the business time zone; nil means ChinaStandardTime.
	Location *time.Location
	// Cutoff is the local time of day at which the settlement day rolls
	// over; zero (or less) means DefaultCutoff.
	Cutoff time.Duration
}

// Zone returns the business time zone.
func (c Calendar) Zone() *time.Location {
	if c.Location == nil {
		return ChinaStandardTime
	}
	return c.Location
}

// CutoffTime returns the cut-off as a duration after local midnight.
func (c Calendar) CutoffTime() time.Duration {
	if c.Cutoff <= 0 {
		return DefaultCutoff
	}
	return c.Cutoff
}

// Date returns t's local calendar date, YYYY-MM-DD, without the cut-off
// (the date a payout was credited, a posting's day).
func (c Calendar) Date(t time.Time) string {
	return t.In(c.Zone()).Format("2006-01-02")
}

// SettlementDate returns the settlement (business) date, YYYY-MM-DD, that
// t belongs to: its local date, or the next day at or after the cut-off.
func (c Calendar) SettlementDate(t time.Time) string {
	loc := c.Zone()
	lt := t.In(loc)
	day := time.Date(lt.Year(), lt.Month(), lt.Day(), 0, 0, 0, 0, loc)
	if lt.Sub(day) >= c.CutoffTime() {
		day = day.AddDate(0, 0, 1)
	}
	return day.Format("2006-01-02")
}

// DayClosed reports whether settlement date date (YYYY-MM-DD) is over at
// now: its cut-off has passed, so no new transaction can fall on it. A
// malformed date is not closed.
func (c Calendar) DayClosed(date string, now time.Time) bool {
	if _, err := time.Parse("2006-01-02", date); err != nil {
		return false
	}
	return date < c.SettlementDate(now)
}
