package switching

import (
	"context"

	"github.com/posguard/posguard"
)

// settle answers a batch settlement (0500): it compares the terminal's
// totals (field 48, parsed by the gateway) with the journal's for
// (terminal, batch), answers 00 with the host's totals and whether each
// group balanced (the gateway writes them as field 48), and rolls the
// terminal to the next batch.
func (s *Switch) settle(ctx context.Context, t *posguard.Terminal, req *posguard.TerminalRequest) *posguard.TerminalResponse {
	txn := s.newTxn(t, req)
	theirs := req.SettleTotals
	ours, err := s.store.BatchTotals(ctx, t.ID, t.Batch)
	if err != nil {
		s.log.Error("batch totals", "terminal", t.ID, "batch", t.Batch, "err", err)
		return reject(t, posguard.ReasonHostFault)
	}
	res := &posguard.SettlementResult{Totals: ours, DomesticBalanced: ours.DomesticEqual(theirs), ForeignBalanced: ours.ForeignEqual(theirs)}
	reason := posguard.ReasonSettleBalanced
	if !res.Balanced() {
		reason = posguard.ReasonSettleUnbalanced
	}
	rrn, err := s.nextRRN(ctx, txn.SettlementDate)
	if err != nil {
		s.log.Error("RRN block", "terminal", t.ID, "err", err)
		return reject(t, posguard.ReasonHostFault)
	}
	txn.Answer = &posguard.Answer{
		Code:       posguard.ReasonCode(reason),
		Settlement: res,
		RRN:        rrn,
		SettleDate: txn.SettlementDate[5:7] + txn.SettlementDate[8:10],
	}
	resp := s.completeTxn(ctx, t, txn, reason, map[string]string{"terminal_totals": req.Totals, "host_totals": ours.String()})
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
