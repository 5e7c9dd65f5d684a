package sqlstore

import (
	"fmt"
	"time"
)

// TimeCol returns a scan destination for a time column in either
// encoding: Unix nanoseconds (0 is the zero time), a native time, or NULL
// (the zero time). The time is set in UTC.
func TimeCol(t *time.Time) *TimeScanner { return &TimeScanner{t: t} }

// TimeScanner is the sql.Scanner of TimeCol.
type TimeScanner struct{ t *time.Time }

// Scan implements sql.Scanner.
func (s *TimeScanner) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*s.t = time.Time{}
	case int64: // Unix nanoseconds; 0 is the zero time
		*s.t = time.Time{}
		if v != 0 {
			*s.t = time.Unix(0, v).UTC()
		}
	case time.Time:
		*s.t = v.UTC()
	default:
		return fmt.Errorf("time column: unexpected %T", src)
	}
	return nil
}
