package switching

import (
	"context"

	"github.com/posguard/posguard"
)

// settle answers a batch settlement (0500): it compares the terminal's
// field 48 totals with the journal's for (terminal, batch), answers 00 with
// the host's totals and result digits (1 balanced, 2 unbalanced), and rolls
// the terminal to the next batch.
func (s *Switch) settle(ctx context.Context, t *posguard.Terminal, req *posguard.TerminalRequest) *posguard.TerminalResponse {
	txn := s.newTxn(t, req)
	theirs, err := posguard.ParseField48(req.Totals)
	if err != nil {
		return reject(t, posguard.ReasonFormat)
	}
	ours, err := s.store.BatchTotals(ctx, t.ID, t.Batch)
	if err != nil {
		s.log.Error("batch totals", "terminal", t.ID, "batch", t.Batch, "err", err)
		return reject(t, posguard.ReasonHostFault)
	}
	dom, foreign := byte(posguard.TotalsBalanced), byte(posguard.TotalsBalanced)
	if !ours.DomesticEqual(theirs) {
		dom = posguard.TotalsUnbalanced
	}
	if !ours.ForeignEqual(theirs) {
		foreign = posguard.TotalsUnbalanced
	}
	reason := posguard.ReasonSettleBalanced
	if dom != posguard.TotalsBalanced || foreign != posguard.TotalsBalanced {
		reason = posguard.ReasonSettleUnbalanced
	}
	txn.Answer = &posguard.Answer{
		Code:       posguard.ReasonCode(reason),
		Totals:     ours.Field48(dom, foreign),
		RRN:        s.nextRRN(txn.SettlementDate),
		SettleDate: txn.SettlementDate[5:7] + txn.SettlementDate[8:10],
	}
	resp := s.completeTxn(ctx, t, txn, reason, map[string]string{"terminal_totals": req.Totals, "host_totals": txn.Answer.Totals})
	if resp.TxnID != txn.ID {
		return resp // a concurrent duplicate settled first
	}
	if !posguard.ApprovedCode(resp.Answer.Code) {
		return resp // not journaled: nothing settled
	}
	if r := s.rollBatch(ctx, t); r != nil {
		return r
	}
	s.log.Info("batch settled", "terminal", t.ID, "batch", t.Batch, "result", reason)
	return resp
}

// rollBatch moves terminal t to the batch after its open one and stores
// that; it returns a 96 answer when the store failed (the batch then stays
// open, as the terminal will believe, and a retransmitted 0500 rolls it).
func (s *Switch) rollBatch(ctx context.Context, t *posguard.Terminal) *posguard.TerminalResponse {
	next := posguard.NextBatch(t.Batch)
	if err := s.store.SetBatch(ctx, t.ID, next); err != nil {
		s.log.Error("roll batch", "terminal", t.ID, "err", err)
		return reject(t, posguard.ReasonHostFault)
	}
	nt := *s.current(t)
	nt.Batch = next
	s.setTerminal(&nt)
	return nil
}
