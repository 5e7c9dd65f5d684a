package host

import (
	"context"
	"time"

	"github.com/posguard/posguard"
)

// SearchIndexEvery is how often the search indexer copies new journal rows
// into the search table: List by card tail or amount reads the journal
// rows above the watermark directly, so this bounds how many it reads.
const SearchIndexEvery = time.Second

// searchLoop keeps the journal's search table up to date (see
// posguard.JournalIndexer): every SearchIndexEvery it copies what was
// journaled since, a few thousand rows a transaction, until none is left.
func (h *Host) searchLoop(ix posguard.JournalIndexer) func(context.Context) {
	return func(ctx context.Context) {
		t := time.NewTicker(SearchIndexEvery)
		defer t.Stop()
		for {
			for more := true; more && ctx.Err() == nil; {
				var err error
				if _, more, err = ix.IndexJournal(ctx, 0); err != nil {
					if ctx.Err() == nil {
						h.Logger.Warn("journal search indexer", "err", err)
					}
					break
				}
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}
}
