package switching

import (
	"context"
	"strconv"

	"github.com/posguard/posguard"
)

// originalOf returns the type and terminal MTI of the transaction that a
// void-like request cancels.
func originalOf(t posguard.TxnType) (posguard.TxnType, string) {
	switch t {
	case posguard.TxnCompletionVoid:
		return posguard.TxnCompletion, "0200"
	case posguard.TxnPreAuthCancel:
		return posguard.TxnPreAuth, "0100"
	}
	return posguard.TxnSale, "0200"
}

// checkVoid applies the void rules: original not found 25, on another
// terminal 58, not approved / already voided / reversed / another day 12,
// amount differs 64. On success the original is locked until unlock.
func (s *Switch) checkVoid(ctx context.Context, t *posguard.Terminal, req *posguard.TerminalRequest, txn *posguard.Transaction) (*posguard.Transaction, func(), *posguard.TerminalResponse) {
	origType, origMTI := originalOf(req.Type)
	orig, err := s.store.ByKey(ctx, posguard.TxnKey{TerminalID: t.ID, Batch: req.OrigBatch, STAN: req.OrigSTAN, MTI: origMTI})
	if err != nil || orig.Type != origType {
		if err != nil && posguard.ErrorCode(err) != posguard.ENOTFOUND {
			s.log.Error("void original lookup", "terminal", t.ID, "err", err)
			return nil, nil, reject(t, posguard.ReasonHostFault)
		}
		if req.RRN != "" {
			if others, err := s.store.ByRRN(ctx, req.RRN); err == nil {
				for _, o := range others {
					if o.Type == origType && o.TerminalID != t.ID && o.MerchantID == t.MerchantID {
						return nil, nil, s.rejectTxn(ctx, t, req, txn, posguard.ReasonVoidOtherTerminal,
							map[string]string{"gate": "rules", "original_terminal": o.TerminalID, "original_id": strconv.FormatInt(o.ID, 10)})
					}
				}
			}
		}
		return nil, nil, s.rejectTxn(ctx, t, req, txn, posguard.ReasonOriginalNotFound,
			map[string]string{"gate": "rules", "original_batch": req.OrigBatch, "original_stan": req.OrigSTAN})
	}
	unlock := s.originals.lock(orig.ID)
	if orig, err = s.store.ByID(ctx, orig.ID); err != nil {
		unlock()
		return nil, nil, reject(t, posguard.ReasonHostFault)
	}
	txn.OrigID = orig.ID
	detail := map[string]string{"gate": "rules", "original_id": strconv.FormatInt(orig.ID, 10), "original_state": string(orig.State)}
	fail := func(reason string) (*posguard.Transaction, func(), *posguard.TerminalResponse) {
		unlock()
		return nil, nil, s.rejectTxn(ctx, t, req, txn, reason, detail)
	}
	switch orig.State {
	case posguard.StateApproved:
	case posguard.StateVoided:
		return fail(posguard.ReasonOriginalVoided)
	case posguard.StateTimedOut, posguard.StateReversalPending, posguard.StateReversed, posguard.StateReversalFailed:
		return fail(posguard.ReasonOriginalReversed)
	default:
		return fail(posguard.ReasonOriginalNotApproved)
	}
	if orig.SettlementDate != txn.SettlementDate {
		detail["original_date"] = orig.SettlementDate
		return fail(posguard.ReasonOriginalOtherDay)
	}
	if orig.Amount != req.Amount {
		detail["original_amount"] = strconv.FormatInt(int64(orig.Amount), 10)
		return fail(posguard.ReasonVoidAmount)
	}
	return orig, unlock, nil
}

// checkRefund applies the refund rules: original not found 25, same
// settlement day 12 (void it instead), manual entry 12, not refundable 12,
// other card 14, over the refundable amount 13.
func (s *Switch) checkRefund(ctx context.Context, t *posguard.Terminal, req *posguard.TerminalRequest, txn *posguard.Transaction) (*posguard.Transaction, func(), *posguard.TerminalResponse) {
	detail := map[string]string{"gate": "rules", "original_rrn": req.RRN}
	var orig *posguard.Transaction
	if req.RRN != "" {
		cands, err := s.store.ByRRN(ctx, req.RRN)
		if err != nil {
			s.log.Error("refund original lookup", "terminal", t.ID, "err", err)
			return nil, nil, reject(t, posguard.ReasonHostFault)
		}
		for _, c := range cands {
			if c.MerchantID != t.MerchantID || (c.Type != posguard.TxnSale && c.Type != posguard.TxnCompletion) {
				continue
			}
			if req.OrigDate != "" && localDate(c, s) != req.OrigDate {
				continue
			}
			orig = c
			break
		}
	}
	if orig == nil {
		return nil, nil, s.rejectTxn(ctx, t, req, txn, posguard.ReasonOriginalNotFound, detail)
	}
	unlock := s.originals.lock(orig.ID)
	var err error
	if orig, err = s.store.ByID(ctx, orig.ID); err != nil {
		unlock()
		return nil, nil, reject(t, posguard.ReasonHostFault)
	}
	txn.OrigID = orig.ID
	detail["original_id"] = strconv.FormatInt(orig.ID, 10)
	detail["original_state"] = string(orig.State)
	fail := func(reason string) (*posguard.Transaction, func(), *posguard.TerminalResponse) {
		unlock()
		return nil, nil, s.rejectTxn(ctx, t, req, txn, reason, detail)
	}
	if orig.SettlementDate == txn.SettlementDate {
		detail["original_date"] = orig.SettlementDate
		return fail(posguard.ReasonRefundSameDay)
	}
	if req.ManualEntry() {
		detail["entry_mode"] = req.EntryMode
		return fail(posguard.ReasonRefundManualEntry)
	}
	switch orig.State {
	case posguard.StateApproved, posguard.StatePartRefunded:
	case posguard.StateVoided:
		return fail(posguard.ReasonOriginalVoided)
	case posguard.StateRefunded:
		detail["refundable"] = "0"
		return fail(posguard.ReasonRefundOverAmount)
	case posguard.StateTimedOut, posguard.StateReversalPending, posguard.StateReversed, posguard.StateReversalFailed:
		return fail(posguard.ReasonOriginalReversed)
	default:
		return fail(posguard.ReasonOriginalNotApproved)
	}
	if orig.PANHash != "" && txn.PANHash != "" && orig.PANHash != txn.PANHash {
		return fail(posguard.ReasonRefundOtherCard)
	}
	if left := orig.Amount - orig.RefundedAmount; req.Amount > left {
		detail["refundable"] = strconv.FormatInt(int64(left), 10)
		detail["value"] = strconv.FormatInt(int64(req.Amount), 10)
		return fail(posguard.ReasonRefundOverAmount)
	}
	if s.RefundGuard != nil {
		ok, why, err := s.RefundGuard.Check(ctx, t.MerchantID, req.Amount)
		if err != nil {
			s.log.Error("refund balance check", "merchant", t.MerchantID, "err", err)
			unlock()
			return nil, nil, reject(t, posguard.ReasonHostFault)
		}
		if !ok {
			detail["balance_check"] = why
			return fail(posguard.ReasonRefundMerchantBalance)
		}
	}
	return orig, unlock, nil
}

// terminalReversal handles a terminal 0400. It is idempotent: an unknown,
// failed or already reversed original is answered 00 and recorded; an
// approved (or still in-flight) original gets a durable upstream reversal;
// an amount that differs is 25.
func (s *Switch) terminalReversal(ctx context.Context, t *posguard.Terminal, req *posguard.TerminalRequest, txn *posguard.Transaction) *posguard.TerminalResponse {
	origMTI := "0200"
	if req.Reverses == posguard.TxnPreAuth || req.Reverses == posguard.TxnPreAuthCancel {
		origMTI = "0100"
	}
	detail := map[string]string{"terminal_reason": req.ReasonCode}
	orig, err := s.store.ByKey(ctx, posguard.TxnKey{TerminalID: t.ID, Batch: req.Batch, STAN: req.STAN, MTI: origMTI})
	if err != nil {
		if posguard.ErrorCode(err) != posguard.ENOTFOUND {
			s.log.Error("reversal original lookup", "terminal", t.ID, "err", err)
			return reject(t, posguard.ReasonHostFault)
		}
		return s.completeTxn(ctx, t, txn, posguard.ReasonReversalUnknown, detail)
	}
	unlock := s.originals.lock(orig.ID)
	defer unlock()
	if orig, err = s.store.ByID(ctx, orig.ID); err != nil {
		return reject(t, posguard.ReasonHostFault)
	}
	txn.OrigID = orig.ID
	detail["original_id"] = strconv.FormatInt(orig.ID, 10)
	detail["original_state"] = string(orig.State)
	if req.HasAmount && orig.Amount != req.Amount {
		detail["original_amount"] = strconv.FormatInt(int64(orig.Amount), 10)
		return s.rejectTxn(ctx, t, req, txn, posguard.ReasonReversalAmount, detail)
	}
	switch orig.State {
	case posguard.StateApproved, posguard.StateForwarded:
		if !orig.Type.MovesMoney() {
			return s.completeTxn(ctx, t, txn, posguard.ReasonReversalNotNeeded, detail)
		}
		err := s.store.Update(ctx, posguard.TxnUpdate{
			ID:            orig.ID,
			FromStates:    []posguard.State{orig.State},
			State:         posguard.StateReversalPending,
			Reason:        posguard.ReasonReversalQueued,
			Note:          "terminal reversal (0400), reason " + req.ReasonCode,
			Detail:        map[string]string{"terminal_reversal": req.ReasonCode},
			At:            s.Now(),
			QueueReversal: &posguard.Reversal{Reason: "terminal." + req.ReasonCode},
		})
		if err != nil {
			if posguard.ErrorCode(err) == posguard.ECONFLICT {
				// The in-flight original got its outcome meanwhile: judge again.
				return s.terminalReversal(ctx, t, req, txn)
			}
			s.log.Error("queue terminal reversal", "txn", orig.ID, "err", err)
			return reject(t, posguard.ReasonHostFault)
		}
		s.releaseDebit(orig)
		s.wakeReversals()
		return s.completeTxn(ctx, t, txn, posguard.ReasonReversalQueued, detail)
	case posguard.StateTimedOut, posguard.StateReversalPending, posguard.StateReversed, posguard.StateReversalFailed:
		return s.completeTxn(ctx, t, txn, posguard.ReasonReversalAlready, detail)
	default:
		return s.completeTxn(ctx, t, txn, posguard.ReasonReversalNotNeeded, detail)
	}
}

// debitAmount is what a transaction counts against daily usage.
func (s *Switch) debitAmount(t *posguard.Transaction) posguard.Amount {
	if t.Type == posguard.TxnSale || t.Type == posguard.TxnCompletion {
		return t.Amount
	}
	return 0
}

// completeTxn journals a request the host answered itself (a terminal
// reversal, a settlement) with state completed.
func (s *Switch) completeTxn(ctx context.Context, t *posguard.Terminal, txn *posguard.Transaction, reason string, detail map[string]string) *posguard.TerminalResponse {
	code := posguard.ReasonCode(reason)
	txn.State = posguard.StateCompleted
	txn.ResponseCode = code
	txn.Reason = reason
	txn.Detail = detail
	if txn.Answer == nil {
		txn.Answer = &posguard.Answer{Code: code}
	}
	if txn.Answer.LocalDate == "" {
		lt := s.Now().In(s.cfg.Location)
		txn.Answer.LocalTime, txn.Answer.LocalDate = lt.Format("150405"), lt.Format("0102")
	}
	if err := s.store.Insert(ctx, txn); err != nil {
		if posguard.ErrorCode(err) == posguard.ECONFLICT {
			if prev, err := s.store.ByKey(ctx, txn.TxnKey); err == nil && prev.Answer != nil {
				return &posguard.TerminalResponse{Answer: *prev.Answer, Reason: prev.Reason, Terminal: t, TxnID: prev.ID}
			}
		}
		// Nothing is answered that was not stored.
		s.log.Error("journal completed request", "terminal", t.ID, "err", err)
		return reject(t, posguard.ReasonHostFault)
	}
	return &posguard.TerminalResponse{Answer: *txn.Answer, Reason: reason, Terminal: t, TxnID: txn.ID}
}

// localDate is the original's field 13 (MMDD) as the terminal saw it.
func localDate(t *posguard.Transaction, s *Switch) string {
	if t.Answer != nil && t.Answer.LocalDate != "" {
		return t.Answer.LocalDate
	}
	return t.CreatedAt.In(s.cfg.Location).Format("0102")
}
