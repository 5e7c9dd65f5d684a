//go:build unix

package keys

import "io/fs"

// sharedMode reports whether a file with mode m may be read (or written) by
// its group or by others.
func sharedMode(m fs.FileMode) bool { return m.Perm()&0o077 != 0 }
