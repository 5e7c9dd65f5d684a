package recon

import (
	"context"
	"strconv"
	"strings"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/recon/clearing"
)

// matcher classifies the lines of one clearing file against the index
// (spec/clearing-file.md §4.1–4.3), one line at a time.
type matcher struct {
	date   string
	ix     *index
	report *Report
	// orphans counts lines per key that has no journal transaction, for
	// duplicates among them.
	orphans map[string]int32
	// occ counts exceptions per (class, key) for identities.
	occ map[string]int
	// origChecks are matched credit lines whose fields 18 and 28 are
	// compared with their original once the originals are read.
	origChecks []origCheck
	// late are the transactions of D − 1 matched here by late lines.
	late []int64
	// found are the exceptions found, with what repairs need.
	found []*finding
	// applies are bank statuses to apply that are no exception (a payout
	// posguard still had as submitted).
	applies []func(ctx context.Context) error
}

// origCheck is a matched line whose original must be compared.
type origCheck struct {
	line        int
	key         clearing.Key
	origID      int64
	trace, time string
}

// finding is an exception with what the run needs to act on it.
type finding struct {
	Exception
	txnID    int64
	merchant string
	holdAmt  int64          // what a hold takes, when the action is hold
	line     *clearing.Line // the line it came from, if any
	// apply, when set, is the bank status to apply (apply_bank_status,
	// payout_applied); it runs once, when the exception is new.
	apply func(ctx context.Context) error
}

func newMatcher(date string, ix *index, r *Report) *matcher {
	return &matcher{date: date, ix: ix, report: r, orphans: map[string]int32{}, occ: map[string]int{}}
}

// ident returns the identity of an exception: date, class, key and the
// occurrence of that class and key in the file.
func (m *matcher) ident(class string, k clearing.Key) string {
	base := m.date + "|" + class + "|" + k.RRN + "|" + k.Terminal + "|" + k.Merchant
	m.occ[base]++
	if n := m.occ[base]; n > 1 {
		return base + "|" + itoa(n)
	}
	return base
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

// lineException starts an exception of a line.
func (m *matcher) lineException(class, action string, l *clearing.Line, t *jtx) *finding {
	f := &finding{Exception: Exception{Class: class, Action: action, RRN: l.RRN, Terminal: l.Terminal, Merchant: l.Merchant,
		Line: ptr(l.No), FileAmount: ptr(int64(l.Cleared()))}, merchant: l.Merchant, line: l}
	f.ident = m.ident(class, l.Key())
	if t != nil {
		f.TransactionID = idString(t.id)
		f.Amount = ptr(t.amount)
		f.JournalState = ptr(string(t.state))
		f.txnID = t.id
		f.holdAmt = t.amount
	}
	m.found = append(m.found, f)
	return f
}

// line classifies one line.
func (m *matcher) line(l *clearing.Line) {
	r := m.report
	r.Lines++
	r.Totals.File.add(l.Kind.Debit(), int64(l.Cleared()))
	r.Totals.File.Fees += l.Fees()
	k := keyString(l.RRN, l.Terminal, l.Merchant)
	chain := m.ix.chain(k)
	// D's transaction of the key (fields 3 and 4 choose between several).
	var today, prev, any *jtx
	for _, i := range chain {
		t := &m.ix.txns[i]
		if any == nil || t.day == 0 {
			any = t
		}
		switch t.day {
		case 0:
			if today == nil || (t.stan == l.Trace && t.xmit == l.Transmitted) {
				today = t
			}
		case -1:
			if prev == nil || (t.stan == l.Trace && t.xmit == l.Transmitted) {
				prev = t
			}
		}
	}
	switch {
	case today != nil:
		m.classify(l, today, false)
	case prev != nil && prev.approved() && !prev.late && prev.seen == 0:
		// A late line (§4.3).
		m.classify(l, prev, true)
	case prev != nil && prev.approved() && (prev.late || prev.seen > 0) && prev.stan == l.Trace && prev.xmit == l.Transmitted:
		// Already matched by the previous date's file: the network
		// cleared it twice.
		prev.seen++
		m.duplicate(l, prev)
	case any != nil:
		m.classify(l, any, false)
	default:
		m.orphans[k]++
		if m.orphans[k] > 1 {
			m.duplicate(l, nil)
			return
		}
		m.lineException(posguard.ReconNetworkOnly, posguard.ActionInvestigate, l, nil)
	}
}

func (m *matcher) duplicate(l *clearing.Line, t *jtx) {
	action := posguard.ActionCase
	if l.Kind.Debit() {
		action = posguard.ActionCreditCardholder
	}
	f := m.lineException(posguard.ReconDuplicate, action, l, t)
	f.holdAmt = 0
	if t != nil {
		f.Amount = ptr(t.amount)
	}
}

// classify decides the outcome of a line against the transaction its key
// found.
func (m *matcher) classify(l *clearing.Line, t *jtx, late bool) {
	t.seen++
	if t.seen > 1 {
		m.duplicate(l, t)
		return
	}
	if !t.approved() {
		action := posguard.ActionCreditCardholder
		if t.awaitingReversal() {
			action = posguard.ActionAwaitReversal
		}
		f := m.lineException(posguard.ReconNetworkOnly, action, l, t)
		f.holdAmt = 0
		return
	}
	if t.kind != l.Kind {
		m.lineException(posguard.ReconStateMismatch, posguard.ActionHold, l, t)
		return
	}
	if t.amount != int64(l.Cleared()) {
		m.lineException(posguard.ReconAmountMismatch, posguard.ActionHold, l, t)
		return
	}
	t.matched = true
	m.report.Matched++
	if late {
		t.lateHere = true
		m.late = append(m.late, t.id)
		m.report.Notes = append(m.report.Notes, Note{Class: "late_line", RRN: l.RRN, Terminal: l.Terminal,
			Merchant: l.Merchant, Line: ptr(l.No), Date: dayOffset(m.date, -1)})
	}
	m.check(l, "trace", l.Trace, t.stan)
	m.check(l, "transmit_time", l.Transmitted, t.xmit)
	if t.card != "" {
		m.check(l, "card", l.Card, t.card)
	}
	if t.origID != 0 && (l.OrigTrace != "000000" || l.OrigTime != "0000000000") && l.Kind != clearing.KindCreditAdjustment {
		m.origChecks = append(m.origChecks, origCheck{line: l.No, key: l.Key(), origID: t.origID, trace: l.OrigTrace, time: l.OrigTime})
	}
}

// check adds a data_mismatch note when a checked field differs.
func (m *matcher) check(l *clearing.Line, field, file, journal string) {
	if file == journal {
		return
	}
	m.report.Notes = append(m.report.Notes, Note{Class: "data_mismatch", RRN: l.RRN, Terminal: l.Terminal,
		Merchant: l.Merchant, Line: ptr(l.No), Field: field, File: ptr(file), Journal: ptr(journal)})
}

// journalOnly adds an exception for each approved transaction of D that no
// line matched and no late line of D + 1's run matched either.
func (m *matcher) journalOnly(status string) {
	for k, first := range m.ix.byKey {
		for i := first; i >= 0; i = m.ix.txns[i].next {
			t := &m.ix.txns[i]
			if t.day != 0 || !t.approved() || t.seen > 0 || t.late {
				continue
			}
			rrn, rest, _ := strings.Cut(k, "|")
			term, merch, _ := strings.Cut(rest, "|")
			f := &finding{Exception: Exception{Class: posguard.ReconJournalOnly, Status: status, Action: posguard.ActionHold,
				RRN: rrn, Terminal: term, Merchant: merch,
				TransactionID: idString(t.id), Amount: ptr(t.amount), JournalState: ptr(string(t.state))},
				txnID: t.id, merchant: merch, holdAmt: t.amount}
			f.ident = m.date + "|" + posguard.ReconJournalOnly + "|" + k + "|" + strconv.FormatInt(t.id, 10)
			m.found = append(m.found, f)
		}
	}
}
