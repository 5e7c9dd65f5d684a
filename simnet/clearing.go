package simnet

import (
	"hash/fnv"
	"math"
	"sort"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/recon/clearing"
)

// ClearingDate returns the network's business date of moment t: its date
// in Beijing time, the next one from 23:00 on (spec/clearing-file.md §1).
func ClearingDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return posguard.Calendar{}.SettlementDate(t) // UTC+8, rolling at 23:00
}

// clearingDate is ClearingDate with the network's calendar (Options.Calendar).
func (n *Network) clearingDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return n.opts.Calendar.SettlementDate(t)
}

// ClearingFault is one difference a clearing knob put in a date's file.
type ClearingFault struct {
	RRN      string `json:"rrn"`
	Terminal string `json:"terminal"`
	Merchant string `json:"merchant"`
	Fault    string `json:"fault"`
}

// affected reports whether knob (a fraction) hits the line of rrn on date:
// the FNV-1a 64-bit hash of "date|rrn|knob" over 2^64 below the fraction.
func affected(date, rrn, knob string, frac float64) bool {
	if frac <= 0 {
		return false
	}
	h := fnv.New64a()
	h.Write([]byte(date + "|" + rrn + "|" + knob))
	return float64(h.Sum64())/math.Pow(2, 64) < frac
}

// clearingKind returns the file kind of a posting, "" for one that is not
// cleared (a pre-authorization or its cancel).
func clearingKind(p *posting) clearing.Kind {
	switch p.kind {
	case KindSale:
		return clearing.KindSale
	case KindCompletion:
		return clearing.KindCompletion
	case KindRefund:
		return clearing.KindRefund
	case KindAdjustment:
		return clearing.KindCreditAdjustment
	case KindVoid:
		switch {
		case p.orig == nil || p.orig.kind == KindSale:
			return clearing.KindVoid
		case p.orig.kind == KindCompletion:
			return clearing.KindCompletionVoid
		}
	}
	return ""
}

type clearingLine struct {
	line     clearing.Line
	pan      string
	reversed bool // a reversed sale, written only under ClearingReversed
}

// Clearing returns the clearing file of date (YYYY-MM-DD) as it stands
// now, with the clearing knobs applied, and what the knobs did.
func (n *Network) Clearing(date string) ([]byte, []ClearingFault) {
	n.mu.Lock()
	f := n.faults
	var lines []clearingLine
	for pan, a := range n.accounts {
		for _, p := range a.postings {
			k := clearingKind(p)
			if k == "" || n.clearingDate(p.approvedAt) != date {
				continue
			}
			if p.state != StatePosted && !(p.state == StateReversed && k == clearing.KindSale) {
				continue
			}
			l := clearing.Line{
				Acquirer: p.acquirer, Trace: p.stan, Transmitted: p.transmitted, Amount: p.amount, Kind: k,
				MCC: p.mcc, Terminal: p.terminal, Merchant: p.merchant, RRN: p.rrn, AuthCode: p.authCode,
				Issuer: posguard.PAN(pan).BIN() + "00", OrigTrace: p.origSTAN, OrigTime: p.origTime,
				EntryMode: p.entryMode,
			}
			if p.orig != nil && p.kind != KindAdjustment {
				l.OrigTrace, l.OrigTime = p.orig.stan, p.orig.transmitted
			}
			lines = append(lines, clearingLine{line: l, pan: pan, reversed: p.state == StateReversed})
		}
	}
	n.mu.Unlock()
	sort.Slice(lines, func(i, j int) bool {
		a, b := &lines[i].line, &lines[j].line
		if a.Transmitted != b.Transmitted {
			return a.Transmitted < b.Transmitted
		}
		if a.RRN != b.RRN {
			return a.RRN < b.RRN
		}
		if a.Terminal != b.Terminal {
			return a.Terminal < b.Terminal
		}
		return a.Merchant < b.Merchant
	})
	var out []byte
	var done []ClearingFault
	for _, cl := range lines {
		l := cl.line
		note := func(fault string) {
			done = append(done, ClearingFault{RRN: l.RRN, Terminal: l.Terminal, Merchant: l.Merchant, Fault: fault})
		}
		if cl.reversed {
			if !affected(date, l.RRN, FaultClearingReversed, f.ClearingReversed) {
				continue
			}
			note(FaultClearingReversed)
		}
		if affected(date, l.RRN, FaultClearingDrop, f.ClearingDrop) {
			note(FaultClearingDrop)
			continue
		}
		if affected(date, l.RRN, FaultClearingAmount, f.ClearingAmount) {
			l.Amount += 100
			note(FaultClearingAmount)
		}
		copies := 1
		if affected(date, l.RRN, FaultClearingDup, f.ClearingDup) {
			copies = 2
			note(FaultClearingDup)
		}
		for i := 0; i < copies; i++ {
			var err error
			if out, err = clearing.AppendRecord(out, &l, cl.pan); err != nil {
				n.log.Error("simnet: clearing line not written", "rrn", l.RRN, "err", err)
			}
		}
	}
	return out, done
}
