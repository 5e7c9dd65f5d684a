//go:build !unix

package keys

import "io/fs"

// sharedMode is false where file modes do not say who may read a file.
func sharedMode(fs.FileMode) bool { return false }
