package recon

import (
	"context"
	"sort"

	"github.com/posguard/posguard"
)

// Mismatch is one card whose issuer-side and journal-side money differ.
type Mismatch struct {
	PAN     string          // masked 6+4
	Issuer  posguard.Amount // what the issuer took from the card
	Journal posguard.Amount // what the journal says was taken
	// What is "" for money taken, "held" for pre-authorization holds
	// (CompareHeld).
	What string `json:"what,omitempty"`
}

// JournalNet returns, per masked PAN, the money the journal says was taken
// from each card: approved sales and completions (also when later voided or
// refunded) minus approved voids and refunds. Reversed, declined, rejected
// and pending transactions count nothing: call it once the reversal queue
// has drained.
func JournalNet(ctx context.Context, j posguard.Journal) (map[string]posguard.Amount, error) {
	net := map[string]posguard.Amount{}
	var after int64
	for {
		page, err := j.List(ctx, posguard.TxnFilter{After: after, Limit: 1000})
		if err != nil {
			return nil, err
		}
		for _, t := range page {
			if t.PANMasked == "" {
				continue
			}
			net[t.PANMasked] += Effect(t)
		}
		if len(page) < 1000 {
			return net, nil
		}
		after = page[len(page)-1].ID
	}
}

// Effect is what one transaction, in its current state, took from the card.
func Effect(t *posguard.Transaction) posguard.Amount {
	switch t.Type {
	case posguard.TxnSale, posguard.TxnCompletion:
		switch t.State {
		case posguard.StateApproved, posguard.StateVoided, posguard.StatePartRefunded, posguard.StateRefunded:
			return t.Amount
		}
	case posguard.TxnVoid, posguard.TxnCompletionVoid, posguard.TxnRefund, posguard.TxnCreditAdjustment:
		if t.State == posguard.StateApproved {
			return -t.Amount
		}
	}
	return 0
}

// JournalHeld returns, per masked PAN, the pre-authorization holds the
// journal says stand: approved pre-auths (not completed, cancelled,
// reversed or expired). Like JournalNet, call it once the reversal queue
// has drained; the issuer's side is simnet's "held" (GET /accounts).
func JournalHeld(ctx context.Context, j posguard.Journal) (map[string]posguard.Amount, error) {
	held := map[string]posguard.Amount{}
	var after int64
	for {
		page, err := j.List(ctx, posguard.TxnFilter{After: after, Limit: 1000})
		if err != nil {
			return nil, err
		}
		for _, t := range page {
			if t.PANMasked != "" && t.Type == posguard.TxnPreAuth && t.State == posguard.StateApproved {
				held[t.PANMasked] += t.Amount
			}
		}
		if len(page) < 1000 {
			return held, nil
		}
		after = page[len(page)-1].ID
	}
}

// CompareHeld is Compare for pre-authorization holds: its mismatches say
// What "held".
func CompareHeld(issuer, journal map[string]posguard.Amount) []Mismatch {
	out := Compare(issuer, journal)
	for i := range out {
		out[i].What = "held"
	}
	return out
}

// Compare lists the cards whose amounts differ, sorted by PAN. A card
// missing on one side counts as zero there.
func Compare(issuer, journal map[string]posguard.Amount) []Mismatch {
	var out []Mismatch
	seen := map[string]bool{}
	for pan, a := range issuer {
		seen[pan] = true
		if journal[pan] != a {
			out = append(out, Mismatch{PAN: pan, Issuer: a, Journal: journal[pan]})
		}
	}
	for pan, a := range journal {
		if !seen[pan] && a != 0 {
			out = append(out, Mismatch{PAN: pan, Journal: a})
		}
	}
	sort.Slice(out, func(i, k int) bool { return out[i].PAN < out[k].PAN })
	return out
}

// Outstanding counts what still keeps the journal from being compared:
// transactions forwarded without an outcome yet, and reversals not yet
// acknowledged. Both must be zero before JournalNet means anything.
func Outstanding(ctx context.Context, st interface {
	posguard.Journal
	posguard.ReversalQueue
}) (forwarded, reversals int, err error) {
	un, err := st.Unresolved(ctx, 10000)
	if err != nil {
		return 0, 0, err
	}
	rs, err := st.Reversals(ctx, posguard.ReversalPending, 10000)
	if err != nil {
		return 0, 0, err
	}
	return len(un), len(rs), nil
}
