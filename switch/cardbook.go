package switching

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/posguard/posguard"
)

// DefaultContactlessNoPINLimit is the largest contactless (闪付) sale
// allowed without a PIN: 1,000 yuan.
const DefaultContactlessNoPINLimit posguard.Amount = 100000

// cardBook holds the per-card and per-terminal daily debit usage of the
// merchants that have such limits (and the no-PIN contactless count of
// each card), in memory, seeded from the journal once per merchant and
// day (Journal.DailyByCard). Like usageBook, an amount is reserved before
// the request leaves and released when it ends without an approval.
//
// With several instances on one database (Config.Shared) a merchant's day
// is read again from the journal once it is older than refresh, so what
// the other instances forwarded and approved counts (see usageBook).
type cardBook struct {
	mu      sync.Mutex
	days    map[usageKey]*cardDay
	refresh time.Duration // 0: read once per merchant and day
}

// cardDay is one merchant's usage of one settlement day.
type cardDay struct {
	card  map[string]*usage // keyed PAN hash
	term  map[string]*usage // terminal id
	noPIN map[string]int    // keyed PAN hash → no-PIN contactless reads
	at    time.Time         // when it was read from the journal
}

// cardUse is what one debit adds to a cardDay.
type cardUse struct {
	card, terminal string
	amount         posguard.Amount
	noPIN          bool
}

// day returns the merchant's usage of date, reading the journal the first
// time; older days are dropped (settlement days only move forward).
func (b *cardBook) day(ctx context.Context, j posguard.Journal, merchant, date string) (*cardDay, error) {
	k := usageKey{merchant, date}
	b.mu.Lock()
	d, ok := b.days[k]
	stale := ok && b.refresh > 0 && time.Since(d.at) >= b.refresh
	if stale {
		// This sale reads the journal again; the others meanwhile go on
		// with the day as it is rather than all reading at once.
		d.at = time.Now()
	}
	b.mu.Unlock()
	if ok && !stale {
		return d, nil
	}
	read := time.Now()
	rows, err := j.DailyByCard(ctx, merchant, date)
	if err != nil {
		return nil, err
	}
	nd := &cardDay{card: map[string]*usage{}, term: map[string]*usage{}, noPIN: map[string]int{}, at: read}
	for _, r := range rows {
		nd.add(cardUse{card: r.PANHash, terminal: r.TerminalID, amount: r.Amount, noPIN: r.NoPIN}, r.Count)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.days == nil {
		b.days = map[usageKey]*cardDay{}
	}
	if d, ok := b.days[k]; ok && !d.at.Before(read) {
		return d, nil // read meanwhile by another sale, no older than this read
	}
	// A re-read replaces the day: the journal holds what every instance
	// forwarded and approved; this instance's reservations not journaled
	// yet (milliseconds' worth) are left out until the next read.
	for old := range b.days {
		if old.merchant == merchant && old.date < date {
			delete(b.days, old)
		}
	}
	b.days[k] = nd
	return nd, nil
}

// add counts n debits of u.
func (d *cardDay) add(u cardUse, n int) {
	get := func(m map[string]*usage, k string) *usage {
		x := m[k]
		if x == nil {
			x = &usage{}
			m[k] = x
		}
		return x
	}
	c, t := get(d.card, u.card), get(d.term, u.terminal)
	c.amount += u.amount
	c.count += n
	t.amount += u.amount
	t.count += n
	if u.noPIN {
		d.noPIN[u.card] += n
	}
}

// reserve adds u to the merchant's day when it stays within l and the
// no-PIN count (0: none); otherwise it returns the reason and its detail.
func (b *cardBook) reserve(ctx context.Context, j posguard.Journal, merchant, date string, l posguard.Limits, noPINMax int, u cardUse) (string, map[string]string, error) {
	d, err := b.day(ctx, j, merchant, date)
	if err != nil {
		return "", nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	var c, t usage
	if x := d.card[u.card]; x != nil {
		c = *x
	}
	if x := d.term[u.terminal]; x != nil {
		t = *x
	}
	amountOver := func(reason string, limit, used posguard.Amount) (string, map[string]string, error) {
		dt := limitDetail(limit, used+u.amount)
		dt["used"] = strconv.FormatInt(int64(used), 10)
		return reason, dt, nil
	}
	countOver := func(reason string, limit, used int) (string, map[string]string, error) {
		return reason, map[string]string{"gate": "limit", "limit": strconv.Itoa(limit), "value": strconv.Itoa(used + 1)}, nil
	}
	switch {
	case u.noPIN && noPINMax > 0 && d.noPIN[u.card]+1 > noPINMax:
		return countOver(posguard.ReasonContactlessNoPINCount, noPINMax, d.noPIN[u.card])
	case l.CardDaily > 0 && c.amount+u.amount > l.CardDaily:
		return amountOver(posguard.ReasonLimitCardAmount, l.CardDaily, c.amount)
	case l.CardDailyCount > 0 && c.count+1 > l.CardDailyCount:
		return countOver(posguard.ReasonLimitCardCount, l.CardDailyCount, c.count)
	case l.TerminalDaily > 0 && t.amount+u.amount > l.TerminalDaily:
		return amountOver(posguard.ReasonLimitTerminalAmount, l.TerminalDaily, t.amount)
	case l.TerminalDailyCount > 0 && t.count+1 > l.TerminalDailyCount:
		return countOver(posguard.ReasonLimitTerminalCount, l.TerminalDailyCount, t.count)
	}
	d.add(u, 1)
	return "", nil, nil
}

// release gives back a reservation (or an approved debit later voided or
// reversed); a day no longer held is left alone.
func (b *cardBook) release(merchant, date string, u cardUse) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if d, ok := b.days[usageKey{merchant, date}]; ok {
		d.add(cardUse{card: u.card, terminal: u.terminal, amount: -u.amount, noPIN: u.noPIN}, -1)
	}
}

// forget drops a merchant's usage, read again from the journal at its
// next debit that needs it (after its limits changed: usage was not kept
// while it had no per-card limits).
func (b *cardBook) forget(merchant string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for k := range b.days {
		if k.merchant == merchant {
			delete(b.days, k)
		}
	}
}

// tracksCards reports whether debits of m need the card book: per-card or
// per-terminal limits, or a no-PIN contactless count.
func (s *Switch) tracksCards(m *posguard.Merchant) bool {
	return m.Limits.PerCard() || s.cfg.ContactlessNoPINCount > 0
}

// releaseDebit gives back what an approved debit counted against the
// daily limits (after its void or reversal).
func (s *Switch) releaseDebit(orig *posguard.Transaction) {
	amt := s.debitAmount(orig)
	s.usage.release(orig.MerchantID, orig.SettlementDate, amt)
	if amt != 0 {
		s.cards.release(orig.MerchantID, orig.SettlementDate, cardUse{card: orig.PANHash, terminal: orig.TerminalID, amount: amt,
			noPIN: orig.Type == posguard.TxnSale && orig.EntryMode == posguard.EntryModeContactlessNoPIN})
	}
}
