package switching

import (
	"context"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/iso8583"
)

// forward journals txn as forwarded (write-ahead), sends it to the network
// and records the outcome. release gives back the daily-usage reservation.
func (s *Switch) forward(ctx context.Context, t *posguard.Terminal, m *posguard.Merchant, req *posguard.TerminalRequest, txn *posguard.Transaction, orig *posguard.Transaction, zonePIN []byte, release func()) *posguard.TerminalResponse {
	now := req.ReceivedAt
	txn.State = posguard.StateForwarded
	n, err := s.number(ctx)
	if err != nil {
		release()
		s.log.Error("RRN block", "terminal", t.ID, "err", err)
		return reject(t, posguard.ReasonHostFault)
	}
	txn.RRN = rrnOf(txn.SettlementDate, n)
	txn.UpstreamSTAN = stanOf(n)
	txn.UpstreamTime = now.UTC().Format("0102150405")
	up := s.upstreamRequest(t, m, req, txn, orig, zonePIN)

	fl, owner := s.inflight.begin(txn.TxnKey)
	if !owner {
		// A copy of this request is in flight: its outcome is the answer.
		release()
		select {
		case <-fl.ch:
		case <-ctx.Done():
		}
		if prev, err := s.store.ByKey(ctx, txn.TxnKey); err == nil {
			return s.replay(ctx, t, req, prev)
		}
		return reject(t, posguard.ReasonHostFault) // the copy in flight was never journaled
	}
	if err := s.store.Insert(ctx, txn); err != nil {
		s.inflight.done(fl)
		release()
		if posguard.ErrorCode(err) == posguard.ECONFLICT {
			if prev, err := s.store.ByKey(ctx, txn.TxnKey); err == nil {
				return s.replay(ctx, t, req, prev)
			}
		}
		s.log.Error("journal before forwarding", "terminal", t.ID, "err", err)
		return reject(t, posguard.ReasonHostFault)
	}
	s.inflight.journaled(fl, txn.ID)
	s.recent.put(upstreamKey(txn.UpstreamSTAN, txn.UpstreamTime), txn.ID)
	sendCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.UpstreamTimeout)
	sent := time.Now()
	ans, err := s.upstream.Send(sendCtx, up)
	cancel()
	elapsed := time.Since(sent)
	resp := s.outcome(context.WithoutCancel(ctx), t, req, txn, orig, ans, err, elapsed, release)
	s.inflight.done(fl)
	return resp
}

func upstreamKey(stan, at string) string { return stan + "/" + at }

// upstreamRequest maps a terminal request to the network's terms.
func (s *Switch) upstreamRequest(t *posguard.Terminal, m *posguard.Merchant, req *posguard.TerminalRequest, txn, orig *posguard.Transaction, zonePIN []byte) *posguard.UpstreamRequest {
	lt := req.ReceivedAt.In(s.cfg.Location)
	mcc := m.MCC
	if mcc == "" {
		mcc = s.cfg.MCC
	}
	up := &posguard.UpstreamRequest{
		MTI:        txn.Type.UpstreamMTI(),
		ProcCode:   req.ProcCode,
		PAN:        req.PAN,
		Expiry:     req.Expiry,
		Amount:     req.Amount,
		Currency:   txn.Currency,
		STAN:       txn.UpstreamSTAN,
		Time:       txn.UpstreamTime,
		LocalTime:  lt.Format("150405"),
		LocalDate:  lt.Format("0102"),
		MCC:        mcc,
		EntryMode:  req.EntryMode,
		CondCode:   req.CondCode,
		AcquirerID: s.cfg.AcquirerID,
		Track2:     req.Track2,
		RRN:        txn.RRN,
		TerminalID: t.ID,
		MerchantID: t.MerchantID,
		PINBlock:   zonePIN,
		ICC:        req.ICC,
	}
	if orig != nil {
		up.AuthCode = orig.AuthCode
		up.Original = s.originalData(orig)
	}
	return up
}

// originalData is field 90 for a message that refers to t.
func (s *Switch) originalData(t *posguard.Transaction) *posguard.OriginalData {
	return &posguard.OriginalData{
		MTI:        t.Type.UpstreamMTI(),
		STAN:       t.UpstreamSTAN,
		Time:       t.UpstreamTime,
		AcquirerID: s.cfg.AcquirerID,
	}
}

// outcome records the network's answer (or its absence) and builds the
// terminal's answer.
func (s *Switch) outcome(ctx context.Context, t *posguard.Terminal, req *posguard.TerminalRequest, txn, orig *posguard.Transaction, ans *posguard.UpstreamResponse, sendErr error, elapsed time.Duration, release func()) *posguard.TerminalResponse {
	detail := map[string]string{"upstream_ms": upstreamMillis(elapsed)}
	if sendErr == nil {
		if ans.Code == "" || (ans.HasAmount && req.HasAmount && ans.Amount != req.Amount) {
			sendErr = posguard.Errorf(posguard.EINTERNAL, "untrusted answer: code %q, amount %d", ans.Code, ans.Amount)
		}
	}
	if sendErr != nil {
		return s.noAnswer(ctx, t, req, txn, sendErr, detail, release)
	}
	detail["upstream_code"] = ans.Code
	answer := posguard.Answer{
		Code:       ans.Code,
		RRN:        txn.RRN,
		SettleDate: txn.SettlementDate[5:7] + txn.SettlementDate[8:10],
		CardOrg:    txn.CardOrg,
		AcquirerID: s.cfg.AcquirerID,
	}
	s.stamp(&answer, req)
	if len(req.ICC) > 0 && len(ans.ICC) > 0 {
		// The issuer's answer data goes back to the card (field 55): only
		// its own tags; an answer whose 55 does not parse goes without it.
		if icc, err := iso8583.IssuerAnswer(ans.ICC); err != nil {
			detail["upstream_icc"] = "dropped: " + err.Error()
		} else {
			answer.ICC = strings.ToUpper(hex.EncodeToString(icc))
		}
	}
	u := posguard.TxnUpdate{ID: txn.ID, FromStates: []posguard.State{posguard.StateForwarded}, ResponseCode: ans.Code, Detail: detail, At: s.Now()}
	if posguard.ApprovedCode(ans.Code) {
		answer.AuthCode = ans.AuthCode
		answer.AddlResponse = addlResponse(ans.IssuerID, s.cfg.AcquirerID)
		if len(ans.Balance) <= 20 {
			answer.Balance = ans.Balance
		} else {
			detail["upstream_balance"] = "dropped: longer than field 54 allows"
		}
		u.State, u.Reason, u.AuthCode = posguard.StateApproved, posguard.ReasonApproved, ans.AuthCode
	} else {
		release()
		u.State, u.Reason = posguard.StateDeclined, posguard.IssuerReason(ans.Code)
	}
	u.Answer = &answer
	if err := s.store.Update(ctx, u); err != nil {
		if posguard.ErrorCode(err) == posguard.ECONFLICT {
			// A terminal reversal took the transaction over while it was in
			// flight (the journal records reversal.queued on it): the
			// terminal had given up waiting, so this request ends as one
			// without an answer in time, 98, and its reversal is queued.
			return &posguard.TerminalResponse{Answer: answerFor(posguard.ReasonNetworkTimeout), Reason: posguard.ReasonNetworkTimeout, Terminal: t, TxnID: txn.ID}
		}
		s.log.Error("record upstream answer", "txn", txn.ID, "err", err)
		// Money may have moved and the journal does not say so: the sweep
		// of unresolved transactions reverses it.
		return &posguard.TerminalResponse{Answer: answerFor(posguard.ReasonHostFault), Reason: posguard.ReasonHostFault, Terminal: t, TxnID: txn.ID}
	}
	if posguard.ApprovedCode(ans.Code) && orig != nil {
		s.applyToOriginal(ctx, txn, orig)
	}
	return &posguard.TerminalResponse{Answer: answer, Reason: u.Reason, Terminal: t, TxnID: txn.ID}
}

// noAnswer handles a request without a trusted answer: a money-moving one is
// left reversal_pending with its reversal queued in the same store
// transaction; the terminal gets 98 (timeout), 96 (untrusted answer) or 91
// (the request never left).
func (s *Switch) noAnswer(ctx context.Context, t *posguard.Terminal, req *posguard.TerminalRequest, txn *posguard.Transaction, sendErr error, detail map[string]string, release func()) *posguard.TerminalResponse {
	release()
	detail["upstream_error"] = posguard.ErrorMessage(sendErr)
	u := posguard.TxnUpdate{ID: txn.ID, FromStates: []posguard.State{posguard.StateForwarded}, Detail: detail, At: s.Now()}
	switch posguard.ErrorCode(sendErr) {
	case posguard.EUNAVAILABLE:
		u.State, u.Reason = posguard.StateRejected, posguard.ReasonNetworkDown
	case posguard.ETIMEOUT:
		u.State, u.Reason = posguard.StateTimedOut, posguard.ReasonNetworkTimeout
	default:
		u.State, u.Reason = posguard.StateTimedOut, posguard.ReasonNetworkBadAnswer
	}
	u.ResponseCode = posguard.ReasonCode(u.Reason)
	if u.State == posguard.StateTimedOut && txn.Type.MovesMoney() {
		u.State = posguard.StateReversalPending
		u.QueueReversal = &posguard.Reversal{Reason: u.Reason}
		u.Note = "no trusted answer: " + posguard.ErrorMessage(sendErr) + "; reversal queued"
	}
	u.Answer = &posguard.Answer{Code: u.ResponseCode}
	s.stamp(u.Answer, req)
	if err := s.store.Update(ctx, u); err != nil {
		if posguard.ErrorCode(err) != posguard.ECONFLICT {
			s.log.Error("record missing answer", "txn", txn.ID, "err", err)
		}
		return &posguard.TerminalResponse{Answer: answerFor(posguard.ReasonNetworkTimeout), Reason: posguard.ReasonNetworkTimeout, Terminal: t, TxnID: txn.ID}
	}
	if u.QueueReversal != nil {
		s.wakeReversals()
	}
	return &posguard.TerminalResponse{Answer: *u.Answer, Reason: u.Reason, Terminal: t, TxnID: txn.ID}
}

// applyToOriginal marks the original of an approved void or refund.
func (s *Switch) applyToOriginal(ctx context.Context, txn, orig *posguard.Transaction) {
	u := posguard.TxnUpdate{ID: orig.ID, At: s.Now(), Detail: map[string]string{}}
	switch txn.Type {
	case posguard.TxnVoid, posguard.TxnCompletionVoid, posguard.TxnPreAuthCancel:
		u.FromStates = []posguard.State{posguard.StateApproved}
		u.State = posguard.StateVoided
		u.Note = fmt.Sprintf("voided by transaction %d", txn.ID)
		if txn.Type == posguard.TxnPreAuthCancel {
			u.Note = fmt.Sprintf("cancelled by transaction %d: hold released", txn.ID)
		}
		s.releaseDebit(orig)
		defer s.reopenPreAuth(ctx, orig, txn.ID)
	case posguard.TxnCompletion:
		u.FromStates = []posguard.State{posguard.StateApproved}
		u.State = posguard.StateCompleted
		u.Detail["completed_by"] = fmt.Sprint(txn.ID)
		u.Note = fmt.Sprintf("completed by transaction %d (%s): hold released", txn.ID, txn.Amount)
	case posguard.TxnRefund:
		u.FromStates = []posguard.State{posguard.StateApproved, posguard.StatePartRefunded}
		u.AddRefunded = txn.Amount
		u.State = posguard.StatePartRefunded
		if orig.RefundedAmount+txn.Amount >= orig.Amount {
			u.State = posguard.StateRefunded
		}
		u.Note = fmt.Sprintf("refunded %s by transaction %d", txn.Amount, txn.ID)
	default:
		return
	}
	if err := s.store.Update(ctx, u); err != nil {
		s.log.Error("update original", "txn", orig.ID, "by", txn.ID, "err", err)
	}
}

// wakeReversals tells the reversal worker there is work.
func (s *Switch) wakeReversals() {
	if s.ReversalQueued != nil {
		s.ReversalQueued()
	}
}

// HandleLate records an answer that arrived after its request gave up. An
// approval of a transaction that timed out is already being reversed (every
// timed-out money-moving request is); the answer is recorded in its history.
//
// The network link calls it on its reader goroutine, so the store write
// happens on a goroutine of its own.
func (s *Switch) HandleLate(ans *posguard.UpstreamResponse) {
	id, ok := s.recent.get(upstreamKey(ans.STAN, ans.Time))
	if !ok {
		s.log.Warn("late answer for an unknown request", "stan", ans.STAN, "time", ans.Time, "code", ans.Code)
		return
	}
	go s.recordLate(id, ans)
}

// recordLate writes a late answer into its transaction's history.
func (s *Switch) recordLate(id int64, ans *posguard.UpstreamResponse) {
	ctx := context.Background()
	reason := "late answer " + ans.Code
	if posguard.ApprovedCode(ans.Code) {
		reason = posguard.ReasonLateApproval
	}
	err := s.store.Update(ctx, posguard.TxnUpdate{
		ID:     id,
		Detail: map[string]string{"late_answer": ans.Code, "late_auth_code": ans.AuthCode},
		Note:   fmt.Sprintf("late answer %s from the network after the timeout (%s)", ans.Code, reason),
		At:     s.Now(),
	})
	if err != nil {
		s.log.Error("record late answer", "txn", id, "err", err)
	}
	s.log.Info("late answer recorded", "txn", id, "code", ans.Code)
	if posguard.ApprovedCode(ans.Code) && s.LateApproval != nil {
		if txn, err := s.store.ByID(ctx, id); err == nil {
			s.LateApproval(ctx, txn)
		}
	}
}

// stamp sets the host's local time and date (fields 12 and 13) of the
// request on an answer, so a retransmission gets the same ones.
func (s *Switch) stamp(a *posguard.Answer, req *posguard.TerminalRequest) {
	lt := req.ReceivedAt.In(s.cfg.Location)
	a.LocalTime = lt.Format("150405")
	a.LocalDate = lt.Format("0102")
}

// upstreamMillis is the journal's upstream_ms: the network's answer time in
// milliseconds with one decimal, as fmt's %.1f writes it.
func upstreamMillis(elapsed time.Duration) string {
	return strconv.FormatFloat(float64(elapsed.Microseconds())/1000, 'f', 1, 64)
}

// addlResponse is field 44 of an approved answer: the issuer's and the
// acquirer's ids, each left-aligned and padded with spaces to 11
// characters (a longer one is kept whole), as fmt's %-11s%-11s writes it.
func addlResponse(issuer, acquirer string) string {
	b := make([]byte, 0, 22)
	for _, id := range [2]string{issuer, acquirer} {
		b = append(b, id...)
		for n := utf8.RuneCountInString(id); n < 11; n++ {
			b = append(b, ' ')
		}
	}
	return string(b)
}
