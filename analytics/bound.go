package analytics

import (
	"strconv"
	"time"

	"github.com/posguard/posguard"
)

// UnknownKey is the one series (terminal and merchant dimensions) and the
// one terminal-event id under which requests from terminals the host does
// not know are counted: ids an unauthenticated peer chooses never become
// series, rows or map entries of their own. It is longer than a terminal id
// (8) and shorter than a merchant id (15), so it names no real one.
const UnknownKey = "(unknown)"

// EventWindow is how often one kind of terminal event (terminal, code,
// reason) is written: the first at once, the repeats within the window
// counted into one event written when the window ends (detail "repeated").
const EventWindow = time.Minute

type eventKey struct{ terminal, code, reason string }

// eventRun is one open window of repeated terminal events.
type eventRun struct {
	start  time.Time
	repeat int                    // events since the one written at start
	last   posguard.TerminalEvent // the latest repeat, written with the count
}

// seriesKeys returns the terminal and merchant keys an answer is counted
// under: the terminal's own when the host knows it, UnknownKey otherwise.
// The merchant is the terminal's, never the request's field 42.
func seriesKeys(req *posguard.TerminalRequest, resp *posguard.TerminalResponse) (tid, merchant string) {
	if resp.Terminal == nil {
		return UnknownKey, UnknownKey
	}
	return resp.Terminal.ID, resp.Terminal.MerchantID
}

// addEvent records an unjournaled refusal as a terminal event, rate-bounded
// per (terminal, code, reason) by EventWindow. a.mu must be held.
func (a *Aggregator) addEvent(ev posguard.TerminalEvent, now time.Time) {
	if a.runs == nil {
		a.runs = map[eventKey]*eventRun{}
	}
	k := eventKey{ev.TerminalID, ev.Code, ev.Reason}
	if r := a.runs[k]; r != nil && now.Sub(r.start) < EventWindow {
		r.repeat++
		r.last = ev
		return
	}
	a.closeRun(k)
	a.events = append(a.events, ev)
	a.runs[k] = &eventRun{start: now}
}

// closeRun writes run k's repeats as one event and forgets it. a.mu must be
// held.
func (a *Aggregator) closeRun(k eventKey) {
	r := a.runs[k]
	if r == nil {
		return
	}
	delete(a.runs, k)
	if r.repeat == 0 {
		return
	}
	ev := r.last
	d := make(map[string]string, len(ev.Detail)+1)
	for dk, dv := range ev.Detail {
		d[dk] = dv
	}
	d["repeated"] = strconv.Itoa(r.repeat)
	ev.Detail = d
	a.events = append(a.events, ev)
}

// closeRuns closes the windows that ended by now. a.mu must be held.
func (a *Aggregator) closeRuns(now time.Time) {
	for k, r := range a.runs {
		if now.Sub(r.start) >= EventWindow {
			a.closeRun(k)
		}
	}
}
