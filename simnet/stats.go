package simnet

import "maps"

// Stats counts what the network did since it started.
type Stats struct {
	// Requests counts requests decoded.
	Requests uint64 `json:"requests"`
	// Answers counts answers sent (or being sent), by field 39.
	Answers map[string]uint64 `json:"answers"`
	// Faults counts injected faults by kind (latency counts delayed
	// answers).
	Faults map[string]uint64 `json:"faults"`
	// ReversalsApplied counts reversals that undid a posting;
	// ReversalsUnmatched those that found nothing to undo (original
	// unknown or already reversed) and were acknowledged all the same.
	ReversalsApplied   uint64 `json:"reversals_applied"`
	ReversalsUnmatched uint64 `json:"reversals_unmatched"`
	// ReversalsResent counts reversals of an original whose earlier
	// reversal had already been answered (the answer was written to the
	// acquirer) or was still being processed: a reversal sent twice
	// upstream for one transaction. Retries of a reversal whose answer
	// never left (timeout, disconnect, outage) are not counted, nor those
	// counted in ReversalsResentAfterDrop.
	ReversalsResent uint64 `json:"reversals_resent"`
	// ReversalsResentAfterDrop counts reversals sent again, on another
	// connection, after the connection the earlier one was answered on
	// (or was being processed on) had closed: the acquirer's process that
	// held the answer may have died before it recorded it (a host killed
	// at that moment), so sending again is its duty, not a double.
	ReversalsResentAfterDrop uint64 `json:"reversals_resent_after_drop"`
	// Duplicates counts retransmissions answered from memory.
	Duplicates uint64 `json:"duplicates"`
	// FormatErrors counts frames that could not be decoded.
	FormatErrors uint64 `json:"format_errors"`
}

func newStats() Stats {
	return Stats{Answers: map[string]uint64{}, Faults: map[string]uint64{}}
}

// Stats returns a snapshot of the counters.
func (n *Network) Stats() Stats {
	n.mu.Lock()
	defer n.mu.Unlock()
	s := n.stats
	s.Answers = maps.Clone(n.stats.Answers)
	s.Faults = maps.Clone(n.stats.Faults)
	return s
}
