package http

import "time"

// The times a parameter may name: stores keep instants as Unix nanoseconds,
// which reach from 1677 to 2262, and a bound outside that would silently
// match nothing. A year from 1900 through 2199 covers every question about
// real transactions; anything else is answered 400.
var (
	minParamTime = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	maxParamTime = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
)

// checkTimeRange returns EINVALID naming the parameter when t is outside
// the times a parameter may name.
func checkTimeRange(name string, t time.Time) error {
	if t.Before(minParamTime) || !t.Before(maxParamTime) {
		return invalidParam(name, "%s is out of range (years 1900 to 2199)", t.UTC().Format("2006-01-02"))
	}
	return nil
}
