package sqlstore

import "github.com/posguard/posguard"

// pageLimit clamps a page size n to [1, max], def when unset.
func pageLimit(n, def, max int) int {
	switch {
	case n <= 0:
		return def
	case n > max:
		return max
	}
	return n
}

// NotFound is the ENOTFOUND error of an update that matched no row: what is
// the kind of record ("terminal"), id its key.
func NotFound(what, id string) error {
	return posguard.Errorf(posguard.ENOTFOUND, "%s %s not found", what, id)
}
