package switching

import (
	"context"
	"strconv"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/keys"
)

// financial runs the gates after sign-on for balance inquiries, sales,
// voids, refunds, pre-authorizations and terminal reversals.
func (s *Switch) financial(ctx context.Context, t *posguard.Terminal, req *posguard.TerminalRequest) *posguard.TerminalResponse {
	// Gate: merchant status (03).
	m, err := s.merchant(ctx, t.MerchantID)
	if err != nil {
		if posguard.ErrorCode(err) == posguard.ENOTFOUND {
			return reject(t, posguard.ReasonMerchantUnknown)
		}
		s.log.Error("merchant lookup", "merchant", t.MerchantID, "err", err)
		return reject(t, posguard.ReasonHostFault)
	}
	txn := s.newTxn(t, req)
	if req.MerchantID != t.MerchantID {
		return s.rejectTxn(ctx, t, req, txn, posguard.ReasonMerchantUnknown,
			map[string]string{"gate": "merchant", "terminal_merchant": t.MerchantID, "request_merchant": req.MerchantID})
	}
	// A reversal passes the status gate: refusing it would leave a
	// cardholder charged for a sale approved before the merchant was
	// frozen or closed.
	if m.Status != posguard.MerchantActive && req.Type != posguard.TxnReversal {
		d := map[string]string{"gate": "merchant", "status": string(m.Status)}
		if !m.StatusSince.IsZero() {
			d["status_since"] = m.StatusSince.In(s.cfg.Location).Format("2006-01-02")
		}
		if m.Status == posguard.MerchantFrozen && s.Risk != nil {
			if why := s.Risk.FreezeReason(m.ID); why != "" {
				d["freeze_reason"] = why
			}
		}
		return s.rejectTxn(ctx, t, req, txn, merchantReason(m.Status), d)
	}
	// Gate: transaction type allowed (58). A reversal is judged by its original.
	if req.Type != posguard.TxnReversal && !m.Allows(req.Type) {
		return s.rejectTxn(ctx, t, req, txn, posguard.ReasonTypeNotAllowed,
			map[string]string{"gate": "type", "type": string(req.Type)})
	}
	// Gate: idempotency (stored answer or 94). A sale that is not in
	// flight here skips the lookup: every path of a sale ends in a journal
	// insert, which refuses a key already journaled, and the refusal
	// replays the stored answer (or 94) exactly as the lookup would. So a
	// new sale, the usual case, costs no read; a retransmission costs a
	// refused insert instead.
	if req.Type == posguard.TxnSale && !s.inflight.has(txn.TxnKey) {
		// fall through to the gates
	} else if prev, err := s.store.ByKey(ctx, txn.TxnKey); err == nil {
		return s.replay(ctx, t, req, prev)
	} else if posguard.ErrorCode(err) != posguard.ENOTFOUND {
		s.log.Error("idempotency lookup", "terminal", t.ID, "err", err)
		return reject(t, posguard.ReasonHostFault)
	}

	// Gate: transaction rules.
	var orig *posguard.Transaction
	switch req.Type {
	case posguard.TxnReversal:
		return s.terminalReversal(ctx, t, req, txn)
	case posguard.TxnCompletion, posguard.TxnPreAuthCancel:
		var r *posguard.TerminalResponse
		var unlock func()
		orig, unlock, r = s.checkPreAuthUse(ctx, t, req, txn)
		if r != nil {
			return r
		}
		defer unlock()
	case posguard.TxnVoid, posguard.TxnCompletionVoid:
		var r *posguard.TerminalResponse
		var unlock func()
		orig, unlock, r = s.checkVoid(ctx, t, req, txn)
		if r != nil {
			return r
		}
		defer unlock()
	case posguard.TxnRefund:
		var r *posguard.TerminalResponse
		var unlock func()
		orig, unlock, r = s.checkRefund(ctx, t, req, txn)
		if r != nil {
			return r
		}
		defer unlock()
	}

	// Gate: limits (61, 65) on debits.
	reserved := false
	if req.Type == posguard.TxnSale || req.Type == posguard.TxnCompletion || req.Type == posguard.TxnPreAuth {
		if m.Limits.PerTxn > 0 && req.Amount > m.Limits.PerTxn {
			return s.rejectTxn(ctx, t, req, txn, posguard.ReasonLimitPerTxn, limitDetail(m.Limits.PerTxn, req.Amount))
		}
		if req.Type != posguard.TxnPreAuth {
			reason, used, tracked, err := s.usage.reserve(ctx, s.store, m, txn.SettlementDate, req.Amount)
			if err != nil {
				s.log.Error("daily usage", "merchant", m.ID, "err", err)
				return reject(t, posguard.ReasonHostFault)
			}
			switch reason {
			case posguard.ReasonLimitDailyAmount:
				d := limitDetail(m.Limits.Daily, used+req.Amount)
				d["used"] = strconv.FormatInt(int64(used), 10)
				return s.rejectTxn(ctx, t, req, txn, reason, d)
			case posguard.ReasonLimitDailyCount:
				return s.rejectTxn(ctx, t, req, txn, reason, map[string]string{"gate": "limit", "limit": strconv.Itoa(m.Limits.DailyCount), "value": strconv.Itoa(int(used) + 1)})
			}
			reserved = tracked
		}
	}
	// Gate: contactless without PIN above the no-PIN limit (55); the
	// per-card, per-terminal and no-PIN count limits (61, 65) on debits.
	var cardUsed *cardUse
	if (req.Type == posguard.TxnSale || req.Type == posguard.TxnPreAuth) && req.ContactlessNoPIN() && req.Amount > s.cfg.ContactlessNoPINLimit {
		if reserved {
			s.usage.release(m.ID, txn.SettlementDate, req.Amount)
		}
		return s.rejectTxn(ctx, t, req, txn, posguard.ReasonContactlessPIN, limitDetail(s.cfg.ContactlessNoPINLimit, req.Amount))
	}
	if (req.Type == posguard.TxnSale || req.Type == posguard.TxnCompletion) && s.tracksCards(m) {
		u := cardUse{card: txn.PANHash, terminal: t.ID, amount: req.Amount, noPIN: req.Type == posguard.TxnSale && req.ContactlessNoPIN()}
		reason, d, err := s.cards.reserve(ctx, s.store, m.ID, txn.SettlementDate, m.Limits, s.cfg.ContactlessNoPINCount, u)
		if err != nil || reason != "" {
			if reserved {
				s.usage.release(m.ID, txn.SettlementDate, req.Amount)
			}
			if err != nil {
				s.log.Error("card usage", "merchant", m.ID, "err", err)
				return reject(t, posguard.ReasonHostFault)
			}
			return s.rejectTxn(ctx, t, req, txn, reason, d)
		}
		cardUsed = &u
	}
	release := func() {
		if reserved {
			s.usage.release(m.ID, txn.SettlementDate, req.Amount)
			reserved = false
		}
		if cardUsed != nil {
			s.cards.release(m.ID, txn.SettlementDate, *cardUsed)
			cardUsed = nil
		}
	}

	// Gate: risk rules on card sales (59 on decline or freeze; a review
	// or allow goes on, its hits recorded once the sale is journaled).
	var risk *posguard.RiskDecision
	if s.Risk != nil && req.Type == posguard.TxnSale {
		if risk = s.Risk.Check(m, t, req, txn); risk != nil && risk.Action.Rank() >= posguard.RiskDecline.Rank() {
			release()
			return s.riskDecline(ctx, t, m, req, txn, risk)
		}
	}

	// PIN: translate from the terminal's PIK to the zone PIN key, in memory.
	var zonePIN []byte
	if len(req.PINBlock) > 0 {
		zonePIN, err = keys.TranslatePIN(t.Keys.PIK, s.cfg.ZonePINKey, req.PINBlock, req.PAN)
		if err != nil {
			release()
			return s.rejectTxn(ctx, t, req, txn, posguard.ReasonPINBlock, map[string]string{"gate": "pin"})
		}
	}
	if risk != nil {
		riskDetail(txn, risk)
		resp := s.forward(ctx, t, m, req, txn, orig, zonePIN, release)
		s.recordRisk(ctx, txn, resp, risk)
		return resp
	}
	return s.forward(ctx, t, m, req, txn, orig, zonePIN, release)
}

func limitDetail(limit, value posguard.Amount) map[string]string {
	return map[string]string{"gate": "limit", "limit": strconv.FormatInt(int64(limit), 10), "value": strconv.FormatInt(int64(value), 10)}
}

// newTxn starts a journal entry for req: no card data beyond the masked PAN
// and its keyed hash.
func (s *Switch) newTxn(t *posguard.Terminal, req *posguard.TerminalRequest) *posguard.Transaction {
	txn := &posguard.Transaction{
		TxnKey:         keyOf(req),
		Type:           req.Type,
		ContentHash:    req.ContentHash,
		MerchantID:     t.MerchantID,
		Amount:         req.Amount,
		Currency:       req.Currency,
		ProcCode:       req.ProcCode,
		EntryMode:      req.EntryMode,
		SettlementDate: s.SettlementDate(req.ReceivedAt),
		State:          posguard.StateReceived,
	}
	if txn.Currency == "" {
		txn.Currency = posguard.CurrencyCNY
	}
	if req.PAN != "" {
		txn.PANMasked = req.PAN.String()
		txn.IssuerBIN = req.PAN.BIN()
		txn.CardOrg = "CUP"
		if s.hasher != nil {
			txn.PANHash = s.hasher.PANHash(req.PAN)
		}
	}
	return txn
}

// rejectTxn journals a request that a gate refused (it never left the host)
// and answers the reason's code. A concurrent duplicate that journaled first is replayed.
func (s *Switch) rejectTxn(ctx context.Context, t *posguard.Terminal, req *posguard.TerminalRequest, txn *posguard.Transaction, reason string, detail map[string]string) *posguard.TerminalResponse {
	code := posguard.ReasonCode(reason)
	txn.State = posguard.StateRejected
	txn.ResponseCode = code
	txn.Reason = reason
	txn.Detail = detail
	txn.Answer = &posguard.Answer{Code: code}
	s.stamp(txn.Answer, req)
	if err := s.store.Insert(ctx, txn); err != nil {
		if posguard.ErrorCode(err) == posguard.ECONFLICT {
			if prev, err := s.store.ByKey(ctx, txn.TxnKey); err == nil {
				return s.replay(ctx, t, req, prev)
			}
		}
		s.log.Error("journal rejected request", "terminal", t.ID, "err", err)
	}
	return &posguard.TerminalResponse{Answer: *txn.Answer, Reason: reason, Terminal: t, TxnID: txn.ID}
}

// awaitElsewhere waits for the answer of prev, journaled without one by
// another instance that may still await the network: the store is polled
// until the answer is there or the original's upstream timeout (and a
// margin) has passed since it was journaled.
func (s *Switch) awaitElsewhere(ctx context.Context, prev *posguard.Transaction) *posguard.Transaction {
	deadline := prev.CreatedAt.Add(s.cfg.UpstreamTimeout + 2*time.Second)
	wait := 20 * time.Millisecond
	for prev.Answer == nil && s.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return prev
		case <-time.After(wait):
		}
		if wait < 200*time.Millisecond {
			wait *= 2
		}
		p, err := s.store.ByID(ctx, prev.ID)
		if err != nil {
			return prev
		}
		prev = p
	}
	return prev
}

// replay answers a request whose key is already journaled: the stored answer
// for identical content, 94 for other content. A duplicate of a request still
// in flight waits for its outcome.
func (s *Switch) replay(ctx context.Context, t *posguard.Terminal, req *posguard.TerminalRequest, prev *posguard.Transaction) *posguard.TerminalResponse {
	if prev.ContentHash != req.ContentHash {
		return reject(t, posguard.ReasonDuplicate)
	}
	if prev.Answer == nil {
		select {
		case <-s.inflight.waitKey(prev.TxnKey):
		case <-ctx.Done():
		}
		if p, err := s.store.ByID(ctx, prev.ID); err == nil {
			prev = p
		}
		if prev.Answer == nil && s.cfg.Shared {
			prev = s.awaitElsewhere(ctx, prev)
		}
	}
	if prev.Answer == nil {
		// Journaled but without an outcome in this process (a crash left it):
		// the recovery sweep reverses it.
		return &posguard.TerminalResponse{Answer: answerFor(posguard.ReasonNetworkTimeout), Reason: posguard.ReasonNetworkTimeout, Terminal: t, TxnID: prev.ID}
	}
	return &posguard.TerminalResponse{Answer: *prev.Answer, Reason: prev.Reason, Terminal: t, TxnID: prev.ID}
}
