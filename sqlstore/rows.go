package sqlstore

import (
	"context"
	"strings"
	"sync"
)

// Multi-row statements: a set of rows is written with one INSERT … VALUES
// (…), (…) per chunk instead of one statement per row (on PostgreSQL one
// round trip instead of one per row; on SQLite one parse). The chunks are
// maxRows rows, then the remainder split into powers of two, so a handful
// of statement texts serve every count and the drivers' statement caches
// keep them.

// chunkSizes returns the row counts n rows are written in: as many of max
// as fit, then the powers of two of the remainder, largest first.
func chunkSizes(n, max int) []int {
	var out []int
	for ; n >= max; n -= max {
		out = append(out, max)
	}
	for b := max; b > 0; b >>= 1 {
		if n&b != 0 {
			out = append(out, b)
		}
	}
	return out
}

var valuesCache sync.Map // [2]int{rows, cols} → "(?, ?), (?, ?)"

// values returns the VALUES list of rows rows of cols placeholders each.
func values(rows, cols int) string {
	k := [2]int{rows, cols}
	if v, ok := valuesCache.Load(k); ok {
		return v.(string)
	}
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", cols), ", ") + ")"
	v := strings.TrimSuffix(strings.Repeat(one+", ", rows), ", ")
	valuesCache.Store(k, v)
	return v
}

// insertRows writes rows of cols arguments each, args holding them in
// order, with one statement head + VALUES list + tail per chunk of at most
// max rows.
func insertRows(ctx context.Context, tx *Tx, op, head, tail string, cols, max int, args []any) error {
	for _, k := range chunkSizes(len(args)/cols, max) {
		if _, err := tx.Exec(ctx, op, head+values(k, cols)+tail, args[:k*cols]...); err != nil {
			return err
		}
		args = args[k*cols:]
	}
	return nil
}
