package recon

import (
	"context"
	"hash/maphash"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/recon/clearing"
)

// jtx is a journal transaction as matching keeps it. A date may hold a
// million of them, so it is compact and holds no pointer (the garbage
// collector never scans the index): text fields are fixed arrays, kind and
// state indexes into tables, the key two 64-bit hashes.
type jtx struct {
	id, amount, origID int64
	check              uint64 // second hash of the key (the first is the map's)
	next               int32  // next transaction with the same first hash, -1 for none
	seen               int32  // lines of this file that chose it
	trace              [6]byte
	xmit               [10]byte
	card               [19]byte
	traceLen, xmitLen  uint8
	cardLen            uint8
	kind, state        uint8
	day                int8 // -1: D − 1, 0: D, +1: D + 1
	late               bool // matched by a late line of another run (see markMatchedBefore)
}

// Tables the compact fields index into.
var (
	kinds  = []clearing.Kind{"", clearing.KindSale, clearing.KindCompletion, clearing.KindVoid, clearing.KindCompletionVoid, clearing.KindRefund, clearing.KindCreditAdjustment}
	states = []posguard.State{"", posguard.StateReceived, posguard.StateRejected, posguard.StateForwarded, posguard.StateApproved,
		posguard.StateDeclined, posguard.StateTimedOut, posguard.StateReversalPending, posguard.StateReversed,
		posguard.StateReversalFailed, posguard.StateVoided, posguard.StatePartRefunded, posguard.StateRefunded, posguard.StateCompleted}
)

func indexOf[T comparable](table []T, v T) uint8 {
	for i, x := range table {
		if x == v {
			return uint8(i)
		}
	}
	return 0
}

func (t *jtx) Kind() clearing.Kind   { return kinds[t.kind] }
func (t *jtx) State() posguard.State { return states[t.state] }
func (t *jtx) Trace() []byte         { return t.trace[:t.traceLen] }
func (t *jtx) Transmitted() []byte   { return t.xmit[:t.xmitLen] }
func (t *jtx) Card() []byte          { return t.card[:t.cardLen] }
func (t *jtx) sameTrace(l *clearing.Line) bool {
	return string(t.Trace()) == l.Trace && string(t.Transmitted()) == l.Transmitted
}

// approved reports whether the journal holds the transaction as approved
// by the network and not reversed (§1).
func (t *jtx) approved() bool {
	switch t.State() {
	case posguard.StateApproved, posguard.StateVoided, posguard.StatePartRefunded, posguard.StateRefunded:
		return true
	}
	return false
}

// awaitingReversal reports whether posguard will still reverse it.
func (t *jtx) awaitingReversal() bool {
	switch t.State() {
	case posguard.StateReceived, posguard.StateForwarded, posguard.StateTimedOut, posguard.StateReversalPending, posguard.StateReversalFailed:
		return true
	}
	return false
}

// blockBits sizes the index's blocks: transactions are kept in blocks of
// 2^16, so the index grows without copying (no doubling of a million-entry
// slice, no transient second copy).
const blockBits = 16

// index holds the journal of D − 1, D and D + 1 by key.
type index struct {
	blocks [][]jtx
	n      int32
	byKey  map[uint64]int32 // first hash of the key → first transaction
	s1, s2 maphash.Seed
	// Of D: debit and credit totals of the approved transactions.
	journal SideTotals
}

// hashes returns the two hashes of a key (RRN, terminal, merchant).
func (ix *index) hashes(rrn, term, merch string) (uint64, uint64) {
	var h1, h2 maphash.Hash
	h1.SetSeed(ix.s1)
	h2.SetSeed(ix.s2)
	for _, s := range [3]string{rrn, term, merch} {
		h1.WriteString(s)
		h1.WriteByte(0)
		h2.WriteString(s)
		h2.WriteByte(0)
	}
	return h1.Sum64(), h2.Sum64()
}

// clearingTypes are the journal types that appear in a clearing file.
var clearingTypes = []posguard.TxnType{posguard.TxnSale, posguard.TxnCompletion, posguard.TxnVoid,
	posguard.TxnCompletionVoid, posguard.TxnRefund, posguard.TxnCreditAdjustment}

// dayOffset returns date d shifted by n days.
func dayOffset(d string, n int) string {
	t, err := time.Parse("2006-01-02", d)
	if err != nil {
		return ""
	}
	return t.AddDate(0, 0, n).Format("2006-01-02")
}

// buildIndex reads the journal of D − 1, D and D + 1.
func buildIndex(ctx context.Context, st posguard.ReconStore, date string) (*index, error) {
	prev, next := dayOffset(date, -1), dayOffset(date, 1)
	ix := &index{byKey: make(map[uint64]int32, 1024), s1: maphash.MakeSeed(), s2: maphash.MakeSeed()}
	err := st.ReconTxns(ctx, []string{prev, date, next}, clearingTypes, func(t *posguard.ReconTxn) error {
		j := jtx{id: t.ID, amount: int64(t.Amount), origID: t.OrigID, next: -1,
			kind: indexOf(kinds, clearing.KindOfTxn(t.Type)), state: indexOf(states, t.State)}
		j.traceLen = uint8(copy(j.trace[:], t.UpstreamSTAN))
		j.xmitLen = uint8(copy(j.xmit[:], t.UpstreamTime))
		j.cardLen = uint8(copy(j.card[:], t.PANMasked))
		switch t.SettlementDate {
		case prev:
			j.day = -1
		case next:
			j.day = 1
		}
		if j.day == 0 && j.approved() {
			ix.journal.add(j.Kind().Debit(), j.amount)
		}
		h1, h2 := ix.hashes(t.RRN, t.TerminalID, t.MerchantID)
		j.check = h2
		i := ix.n
		if first, ok := ix.byKey[h1]; ok {
			j.next = first
		}
		ix.byKey[h1] = i
		if int(i>>blockBits) == len(ix.blocks) {
			ix.blocks = append(ix.blocks, make([]jtx, 0, 1<<blockBits))
		}
		b := &ix.blocks[i>>blockBits]
		*b = append(*b, j)
		ix.n++
		return nil
	})
	return ix, err
}

// find calls f with each transaction of the key, until f returns false.
func (ix *index) find(rrn, term, merch string, f func(t *jtx) bool) {
	h1, h2 := ix.hashes(rrn, term, merch)
	i, ok := ix.byKey[h1]
	if !ok {
		return
	}
	for i >= 0 {
		t := ix.at(i)
		if t.check == h2 && !f(t) {
			return
		}
		i = t.next
	}
}

// at returns transaction i of the index.
func (ix *index) at(i int32) *jtx { return &ix.blocks[i>>blockBits][i&(1<<blockBits-1)] }

// each calls f with every transaction of the index.
func (ix *index) each(f func(t *jtx)) {
	for _, b := range ix.blocks {
		for i := range b {
			f(&b[i])
		}
	}
}
