package recon

import (
	"context"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/recon/clearing"
)

// jtx is a journal transaction as matching keeps it: compact, since a date
// may hold a million of them.
type jtx struct {
	id       int64
	amount   int64
	day      int8 // -1: D − 1, 0: D, +1: D + 1
	kind     clearing.Kind
	state    posguard.State
	stan     string
	xmit     string // upstream field 7
	card     string // masked
	origID   int64
	seen     int32 // lines of this file that chose it
	late     bool  // matched by a late line of another run (see index.build)
	next     int32 // next transaction with the same key, -1 for none
	matched  bool  // matched by a line of this run
	lateHere bool  // matched by a late line of this run
}

// approved reports whether the journal holds the transaction as approved
// by the network and not reversed (§1).
func (t *jtx) approved() bool {
	switch t.state {
	case posguard.StateApproved, posguard.StateVoided, posguard.StatePartRefunded, posguard.StateRefunded:
		return true
	}
	return false
}

// awaitingReversal reports whether posguard will still reverse it.
func (t *jtx) awaitingReversal() bool {
	switch t.state {
	case posguard.StateReceived, posguard.StateForwarded, posguard.StateTimedOut, posguard.StateReversalPending, posguard.StateReversalFailed:
		return true
	}
	return false
}

// index holds the journal of D − 1, D and D + 1 by key.
type index struct {
	txns  []jtx
	byKey map[string]int32 // key → first transaction
	// Of D: debit and credit totals of the approved transactions.
	journal SideTotals
}

// keyString is the map key of a (RRN, terminal, merchant).
func keyString(rrn, term, merch string) string { return rrn + "|" + term + "|" + merch }

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
	ix := &index{byKey: make(map[string]int32, 1024)}
	err := st.ReconTxns(ctx, []string{prev, date, next}, clearingTypes, func(t *posguard.ReconTxn) error {
		j := jtx{id: t.ID, amount: int64(t.Amount), kind: clearing.KindOfTxn(t.Type), state: t.State, stan: t.UpstreamSTAN,
			xmit: t.UpstreamTime, card: t.PANMasked, origID: t.OrigID, next: -1}
		switch t.SettlementDate {
		case prev:
			j.day = -1
		case next:
			j.day = 1
		}
		if j.day == 0 && j.approved() {
			ix.journal.add(j.kind.Debit(), j.amount)
		}
		k := keyString(t.RRN, t.TerminalID, t.MerchantID)
		i := int32(len(ix.txns))
		if first, ok := ix.byKey[k]; ok {
			j.next = first
		}
		ix.byKey[k] = i
		ix.txns = append(ix.txns, j)
		return nil
	})
	return ix, err
}

// candidates returns the transactions of a key, D's first.
func (ix *index) chain(k string) []int32 {
	i, ok := ix.byKey[k]
	if !ok {
		return nil
	}
	var out []int32
	for ; i >= 0; i = ix.txns[i].next {
		out = append(out, i)
	}
	return out
}
