//go:build !unix

package sqlite

import "os"

// lockFile does nothing where flock is not available: there a second
// instance is not refused.
func lockFile(f *os.File) error { return nil }

func unlockFile(f *os.File) error { return nil }
