package ledger

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/posguard/posguard"
)

// Pricer prices a card transaction: the merchant discount fee on its amount
// and the card kind the fee was taken for.
type Pricer interface {
	Price(ctx context.Context, t *posguard.Transaction) (fee posguard.Amount, kind posguard.CardKind, err error)
}

// CursorName is the cursor under which the Poster keeps its place.
const CursorName = "ledger.journal"

// Poster turns journal events into postings.
type Poster struct {
	Store  posguard.LedgerStore
	Pricer Pricer
	// Batch is how many journal events one Step reads; default 1000.
	Batch int
	// Overlap is how many events before the cursor each Step reads again, so
	// an event whose ID committed late (PostgreSQL sequences) is not
	// skipped; postings are idempotent, so a re-read costs nothing. Default 64.
	Overlap int64
	// Logger receives poster errors; nil discards.
	Logger *slog.Logger

	mu sync.Mutex
	// done are the events of the last Overlap before the cursor whose
	// postings this Poster appended (or found appended): a Step reads them
	// again but leaves them out, so the store meets only new keys.
	done map[int64]bool
}

// Step posts the next batch of journal events and advances the cursor. It
// returns how many postings it appended and whether events remain.
func (p *Poster) Step(ctx context.Context) (int, bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	cur, err := p.Store.Cursor(ctx, CursorName)
	if err != nil {
		return 0, false, err
	}
	overlap := p.Overlap
	if overlap == 0 {
		overlap = 64
	}
	from := max(cur-overlap, 0)
	batch := p.Batch
	if batch <= 0 {
		batch = 1000
	}
	changes, err := p.Store.JournalChanges(ctx, from, batch)
	if err != nil {
		return 0, false, err
	}
	// The postings of consecutive events are appended in one transaction
	// (one commit for the batch instead of one per sale). An event whose
	// postings are derived from earlier postings (a void, a refund, a
	// reversal) first sees everything before it appended.
	n := 0
	last := cur
	var pending []*posguard.Posting
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		k, err := p.Store.AppendPostings(ctx, pending)
		if err != nil {
			return err
		}
		n += k
		pending = pending[:0]
		return nil
	}
	for _, c := range changes {
		if p.done[c.EventID] {
			continue
		}
		if readsLedger(c) {
			if err := flush(); err != nil {
				return n, false, err
			}
		}
		ps, err := p.Derive(ctx, c)
		if err != nil {
			return n, false, fmt.Errorf("ledger: event %d of transaction %d: %w", c.EventID, c.Txn.ID, err)
		}
		// A re-read event's postings are mostly posted already: the store
		// skips known keys in the same transaction.
		pending = append(pending, ps...)
		last = max(last, c.EventID)
	}
	if err := flush(); err != nil {
		return n, false, err
	}
	p.remember(changes, last-overlap)
	if last != cur {
		if err := p.Store.SetCursor(ctx, CursorName, last); err != nil {
			return n, false, err
		}
	}
	return n, len(changes) == batch, nil
}

// remember notes the events of changes as done, and forgets those at or
// below floor, which no later Step reads again.
func (p *Poster) remember(changes []posguard.JournalChange, floor int64) {
	if p.done == nil {
		p.done = map[int64]bool{}
	}
	for id := range p.done {
		if id <= floor {
			delete(p.done, id)
		}
	}
	for _, c := range changes {
		if c.EventID > floor {
			p.done[c.EventID] = true
		}
	}
}

// Drain steps until no events remain.
func (p *Poster) Drain(ctx context.Context) (int, error) {
	total := 0
	for {
		n, more, err := p.Step(ctx)
		total += n
		if err != nil || !more {
			return total, err
		}
	}
}

// Run drains the journal every interval until ctx ends, logging errors.
func (p *Poster) Run(ctx context.Context, every time.Duration) error {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := p.Drain(ctx); err != nil && ctx.Err() == nil && p.Logger != nil {
			p.Logger.Error("ledger poster", "err", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// readsLedger reports whether Derive reads earlier postings for c (a void,
// a refund, a reversal): those must be appended before it is derived.
func readsLedger(c posguard.JournalChange) bool {
	t := c.Txn
	switch {
	case c.State == posguard.StateReversed:
		return true
	case c.State != posguard.StateApproved:
		return false
	}
	return t.Type != posguard.TxnSale && t.Type != posguard.TxnCompletion
}

// Derive returns the postings one journal event calls for (none for most).
func (p *Poster) Derive(ctx context.Context, c posguard.JournalChange) ([]*posguard.Posting, error) {
	t := c.Txn
	switch {
	case c.State == posguard.StateApproved && (t.Type == posguard.TxnSale || t.Type == posguard.TxnCompletion):
		fee, kind, err := p.Pricer.Price(ctx, t)
		if err != nil {
			return nil, err
		}
		return []*posguard.Posting{Approval(t, fee, kind)}, nil
	case c.State == posguard.StateApproved && (t.Type == posguard.TxnVoid || t.Type == posguard.TxnCompletionVoid):
		orig, err := p.original(ctx, t.OrigID)
		if err != nil {
			return nil, err
		}
		return []*posguard.Posting{Void(t, orig)}, nil
	case c.State == posguard.StateApproved && t.Type == posguard.TxnRefund:
		orig, err := p.original(ctx, t.OrigID)
		if err != nil {
			return nil, err
		}
		var before, feeBefore posguard.Amount
		if orig != nil {
			ps, err := p.Store.PostingsForTxn(ctx, orig.TxnID)
			if err != nil {
				return nil, err
			}
			for _, q := range ps {
				if q.Kind == posguard.PostRefund && q.OrigID == orig.TxnID && q.TxnID != t.ID {
					before += q.Gross
					feeBefore -= q.Fee
				}
			}
		}
		return []*posguard.Posting{Refund(t, orig, before, feeBefore)}, nil
	case c.State == posguard.StateReversed:
		ps, err := p.Store.PostingsForTxn(ctx, t.ID)
		if err != nil {
			return nil, err
		}
		for _, q := range ps {
			if q.TxnID == t.ID && q.Kind.Item() && q.Kind != posguard.PostReversal {
				return []*posguard.Posting{Reversal(t, q)}, nil
			}
		}
	}
	return nil, nil
}

// original returns the approval posting of transaction id, nil if none.
func (p *Poster) original(ctx context.Context, id int64) (*posguard.Posting, error) {
	if id == 0 {
		return nil, nil
	}
	ps, err := p.Store.PostingsForTxn(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, q := range ps {
		if q.TxnID == id && q.Kind == posguard.PostApproval {
			return q, nil
		}
	}
	return nil, nil
}
