package sqlite

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/posguard/posguard"
)

// Lock is the exclusive hold one process keeps on a SQLite database for its
// lifetime: SQLite serves one host instance only (several instances need
// PostgreSQL). It is an operating-system lock on the sidecar file PATH.lock,
// so it ends with the process, however the process ends (a crash or SIGKILL
// included); the file's text names the holder for the error a second
// process gets.
type Lock struct {
	f    *os.File
	path string
}

// LockPath is the sidecar lock file of the database at path.
func LockPath(path string) string { return path + ".lock" }

// Acquire takes the exclusive lock of the database at path for what (e.g.
// "posguard serve"). ECONFLICT, naming the database file and the holder
// (process id, host, command and since when), when another process holds
// it.
func Acquire(path, what string) (*Lock, error) {
	lp := LockPath(path)
	f, err := os.OpenFile(lp, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, posguard.WrapError(posguard.EUNAVAILABLE, err, "sqlite: lock file %s", lp)
	}
	if err := lockFile(f); err != nil {
		holder, _ := os.ReadFile(lp)
		f.Close()
		h := strings.TrimSpace(string(holder))
		if h == "" {
			h = "another process"
		}
		return nil, posguard.Errorf(posguard.ECONFLICT,
			"sqlite: database %s is in use by %s (lock file %s): SQLite serves one host instance only; stop it first, or use PostgreSQL to run several instances", path, h, lp)
	}
	host, _ := os.Hostname()
	_ = f.Truncate(0)
	_, _ = f.WriteAt([]byte(fmt.Sprintf("%s (pid %d on %s, since %s)\n", what, os.Getpid(), host, time.Now().UTC().Format(time.RFC3339))), 0)
	return &Lock{f: f, path: lp}, nil
}

// Release gives the lock up. The lock file stays (removing it would race
// with a process taking the lock at that moment).
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	_ = l.f.Truncate(0)
	err := unlockFile(l.f)
	l.f.Close()
	l.f = nil
	return err
}
