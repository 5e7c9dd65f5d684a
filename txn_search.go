package posguard

import "context"

// JournalIndexer keeps the journal's search table (card tail and amount of
// each transaction) up to date off the sale path: a sale writes no search
// entry when it is journaled; a background step copies the rows above the
// search watermark in bulk, many sales to a commit. List finds a
// transaction by CardTail or Amount at once either way: it reads the search
// table for the rows at or below the watermark and the journal itself for
// the few newest rows above it.
type JournalIndexer interface {
	// IndexJournal copies up to n journal rows above the watermark into the
	// search table and moves the watermark past them, in one transaction.
	// It returns how many rows it copied and whether more are waiting. Safe
	// to run from several instances at once: they take turns.
	IndexJournal(ctx context.Context, n int) (copied int, more bool, err error)
}
