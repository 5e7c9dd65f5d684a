package sqlstore

import "github.com/posguard/posguard"

// ClampLimit applies the default (50) and maximum (1000) result sizes.
func ClampLimit(n int) int {
	switch {
	case n <= 0:
		return 50
	case n > 1000:
		return 1000
	}
	return n
}

// NotFound is the ENOTFOUND error of an update that matched no row: what is
// the kind of record ("terminal"), id its key.
func NotFound(what, id string) error {
	return posguard.Errorf(posguard.ENOTFOUND, "%s %s not found", what, id)
}
