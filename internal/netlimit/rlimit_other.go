//go:build !unix

package netlimit

// FileLimit reports that the limit on open files is unknown here.
func FileLimit() (uint64, bool) { return 0, false }
