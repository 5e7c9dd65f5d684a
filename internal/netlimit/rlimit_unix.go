//go:build unix

package netlimit

import "syscall"

// FileLimit returns the process's current (soft) limit on open files, and
// whether it could be read.
func FileLimit() (uint64, bool) {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
		return 0, false
	}
	return r.Cur, true
}
