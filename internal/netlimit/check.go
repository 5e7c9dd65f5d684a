package netlimit

import "log/slog"

// Reserve is the descriptors kept aside for everything but the listeners'
// connections: the database, log files, the network link, outgoing calls.
const Reserve = 128

// CheckFiles compares the file limit with what conns open connections need
// (plus Reserve) and logs a warning naming both numbers when the limit is
// lower; it returns whether the limit is enough (true when unknown).
func CheckFiles(log *slog.Logger, conns int) bool {
	limit, ok := FileLimit()
	if !ok {
		return true
	}
	need := uint64(conns) + Reserve
	if limit >= need {
		return true
	}
	log.Warn("open-file limit too low for the configured connection limits: raise it (ulimit -n, LimitNOFILE=) or lower the limits",
		"limit", limit, "needed", need)
	return false
}
