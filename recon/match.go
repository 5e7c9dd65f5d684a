package recon

import (
	"context"
	"strconv"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/recon/clearing"
)

// matcher classifies the lines of one clearing file against the index
// (spec/clearing-file.md §4.1–4.3), one line at a time.
type matcher struct {
	date   string
	ix     *index
	report *Report
	// orphans counts lines per key (its two hashes) that has no journal
	// transaction, for duplicates among them.
	orphans map[[2]uint64]int32
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
	// qrBills are the bills (channel|mch_id) the run reconciled.
	qrBills []string
	// runKey is the run's identity beside its clearing file's digest: the
	// bank file's digest, and the bills' when there are bills.
	runKey string
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
	// QR: the order and refund it concerns, and how many bill rows it
	// takes (rows = matched + the rows of exceptions).
	qrOrder  *posguard.QROrder
	qrRefund *posguard.QRRefund
	qrRows   int
	// repairNote says what a QR repair did, for the case.
	repairNote string
}

func newMatcher(date string, ix *index, r *Report) *matcher {
	return &matcher{date: date, ix: ix, report: r, orphans: map[[2]uint64]int32{}, occ: map[string]int{}}
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
		f.JournalState = ptr(string(t.State()))
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
	// D's transaction of the key (fields 3 and 4 choose between several).
	var today, prev, any *jtx
	m.ix.find(l.RRN, l.Terminal, l.Merchant, func(t *jtx) bool {
		if any == nil || t.day == 0 {
			any = t
		}
		switch t.day {
		case 0:
			if today == nil || t.sameTrace(l) {
				today = t
			}
		case -1:
			if prev == nil || t.sameTrace(l) {
				prev = t
			}
		}
		return true
	})
	switch {
	case today != nil:
		m.classify(l, today, false)
	case prev != nil && prev.approved() && !prev.late && prev.seen == 0:
		// A late line (§4.3).
		m.classify(l, prev, true)
	case prev != nil && prev.approved() && (prev.late || prev.seen > 0) && prev.sameTrace(l):
		// Already matched by the previous date's file: the network
		// cleared it twice.
		prev.seen++
		m.duplicate(l, prev)
	case any != nil:
		m.classify(l, any, false)
	default:
		h1, h2 := m.ix.hashes(l.RRN, l.Terminal, l.Merchant)
		k := [2]uint64{h1, h2}
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
	if t.Kind() != l.Kind {
		m.lineException(posguard.ReconStateMismatch, posguard.ActionHold, l, t)
		return
	}
	if t.amount != int64(l.Cleared()) {
		m.lineException(posguard.ReconAmountMismatch, posguard.ActionHold, l, t)
		return
	}
	m.report.Matched++
	if late {
		m.late = append(m.late, t.id)
		m.report.Notes = append(m.report.Notes, Note{Class: "late_line", RRN: l.RRN, Terminal: l.Terminal,
			Merchant: l.Merchant, Line: ptr(l.No), Date: dayOffset(m.date, -1)})
	}
	if string(t.Trace()) != l.Trace {
		m.check(l, "trace", l.Trace, string(t.Trace()))
	}
	if string(t.Transmitted()) != l.Transmitted {
		m.check(l, "transmit_time", l.Transmitted, string(t.Transmitted()))
	}
	if t.cardLen > 0 && string(t.Card()) != l.Card {
		m.check(l, "card", l.Card, string(t.Card()))
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
// line matched and no late line of D + 1's run matched either; their keys
// are read back from the journal (the index keeps only hashes).
func (m *matcher) journalOnly(ctx context.Context, st posguard.ReconStore, status string) error {
	var ids []int64
	m.ix.each(func(t *jtx) {
		if t.day == 0 && t.approved() && t.seen == 0 && !t.late {
			ids = append(ids, t.id)
		}
	})
	if len(ids) == 0 {
		return nil
	}
	txns, err := st.ReconTxnsByID(ctx, ids)
	if err != nil {
		return err
	}
	for _, t := range txns {
		f := &finding{Exception: Exception{Class: posguard.ReconJournalOnly, Status: status, Action: posguard.ActionHold,
			RRN: t.RRN, Terminal: t.TerminalID, Merchant: t.MerchantID,
			TransactionID: idString(t.ID), Amount: ptr(int64(t.Amount)), JournalState: ptr(string(t.State))},
			txnID: t.ID, merchant: t.MerchantID, holdAmt: int64(t.Amount)}
		f.ident = m.date + "|" + posguard.ReconJournalOnly + "|" + t.RRN + "|" + t.TerminalID + "|" + t.MerchantID + "|" + strconv.FormatInt(t.ID, 10)
		m.found = append(m.found, f)
	}
	return nil
}
