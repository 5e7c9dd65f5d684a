package verify

import (
	"fmt"
	"io"
	"time"
)

// Break is one broken invariant.
type Break struct {
	// Area is "ledger" or "journal".
	Area string
	// What names the record and what is wrong with it, e.g. "posting 7:
	// content does not match its hash".
	What string
}

// String returns "area: what".
func (b Break) String() string { return b.Area + ": " + b.What }

// MaxBreaks bounds the breaks a Report keeps; more are only counted.
const MaxBreaks = 100

// Report is what a verification found.
type Report struct {
	Postings         int64 // ledger postings checked
	Accounts         int   // ledger accounts with a non-zero balance
	Transactions     int   // journal transactions checked
	PendingReversals int   // reversals still pending
	Breaks           []Break
	// Dropped counts breaks beyond MaxBreaks.
	Dropped int
}

// OK reports whether nothing broke.
func (r *Report) OK() bool { return len(r.Breaks) == 0 }

// add records a break.
func (r *Report) add(area, format string, args ...any) {
	if len(r.Breaks) >= MaxBreaks {
		r.Dropped++
		return
	}
	r.Breaks = append(r.Breaks, Break{Area: area, What: fmt.Sprintf(format, args...)})
}

// Print writes the report and its verdict, one line each, breaks indented.
func (r *Report) Print(w io.Writer) {
	fmt.Fprintf(w, "ledger:  %d postings, %d accounts with a balance\n", r.Postings, r.Accounts)
	fmt.Fprintf(w, "journal: %d transactions, %d reversals pending\n", r.Transactions, r.PendingReversals)
	if r.OK() {
		fmt.Fprintln(w, "verdict: OK")
		return
	}
	fmt.Fprintf(w, "verdict: BROKEN, %d break(s)\n", len(r.Breaks)+r.Dropped)
	for _, b := range r.Breaks {
		fmt.Fprintf(w, "  %s\n", b)
	}
	if r.Dropped > 0 {
		fmt.Fprintf(w, "  … and %d more\n", r.Dropped)
	}
}

// Options tune the journal checks.
type Options struct {
	// Grace is how long a transaction may stay forwarded (or received)
	// before it counts as left without an outcome: longer than the
	// upstream timeout of any host still writing to the store. Zero means
	// no request may be in flight at all (the host is stopped).
	Grace time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
}
