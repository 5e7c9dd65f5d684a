package switching

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/posguard/posguard"
)

// DefaultPreAuthHold is how long an approved pre-authorization stays open
// before the host expires it and asks the issuer to release the hold
// (spec terminal-8583.md §4: 30 days).
const DefaultPreAuthHold = 30 * 24 * time.Hour

// CompletionPercent caps a completion at this share of its pre-auth: the
// amount may be at most pre-auth × 115 / 100, in whole fen rounded down.
const CompletionPercent = 115

// completionCap is the largest amount a completion of a pre-auth of amount
// a may take.
func completionCap(a posguard.Amount) posguard.Amount {
	return a * CompletionPercent / 100
}

// findPreAuth finds the pre-auth a completion or cancel names: the
// terminal's merchant + field 38 + 61.3 (its field 13 date). When 61.1 and
// 61.2 are present and name one of the candidates, that one is taken; an
// open (approved) candidate is preferred over a closed one. nil when none
// matches.
func (s *Switch) findPreAuth(ctx context.Context, t *posguard.Terminal, req *posguard.TerminalRequest) (*posguard.Transaction, error) {
	// A cancel names its pre-auth by this terminal's batch and STAN too.
	if req.OrigSTAN != "" && req.OrigSTAN != "000000" {
		p, err := s.store.ByKey(ctx, posguard.TxnKey{TerminalID: t.ID, Batch: req.OrigBatch, STAN: req.OrigSTAN, MTI: "0100"})
		if err == nil && p.Type == posguard.TxnPreAuth && p.AuthCode != "" &&
			(req.AuthCode == "" || p.AuthCode == req.AuthCode) && (req.OrigDate == "" || localDate(p, s) == req.OrigDate) {
			return p, nil
		}
		if err != nil && posguard.ErrorCode(err) != posguard.ENOTFOUND {
			return nil, err
		}
	}
	cands, err := s.store.PreAuths(ctx, t.MerchantID, req.AuthCode)
	if err != nil {
		return nil, err
	}
	var best *posguard.Transaction
	for _, c := range cands {
		if req.OrigDate != "" && req.OrigDate != "0000" && localDate(c, s) != req.OrigDate {
			continue
		}
		if c.TerminalID == t.ID && c.Batch == req.OrigBatch && c.STAN == req.OrigSTAN {
			return c, nil
		}
		if best == nil || (best.State != posguard.StateApproved && c.State == posguard.StateApproved) {
			best = c
		}
	}
	return best, nil
}

// preAuthClosed returns the reason a pre-auth cannot be completed or
// cancelled, "" when it is open (approved).
func preAuthClosed(p *posguard.Transaction) string {
	switch p.State {
	case posguard.StateApproved:
		return ""
	case posguard.StateCompleted:
		return posguard.ReasonPreAuthCompleted
	case posguard.StateVoided:
		return posguard.ReasonPreAuthCancelled
	case posguard.StateTimedOut, posguard.StateReversalPending, posguard.StateReversed, posguard.StateReversalFailed:
		if p.Detail["expired_at"] != "" {
			return posguard.ReasonPreAuthExpired
		}
		return posguard.ReasonPreAuthReversed
	}
	return posguard.ReasonOriginalNotApproved
}

// checkPreAuthUse applies the rules of a completion or a cancel against
// its pre-auth (spec §4), in the spec's order:
//
//   - completion: none found 25; cancelled, completed or expired 12;
//     another card 14; above 115 % 13;
//   - cancel: none found 25; completed, cancelled or expired 12; amount
//     differs 64.
//
// On success the pre-auth is locked until unlock.
func (s *Switch) checkPreAuthUse(ctx context.Context, t *posguard.Terminal, req *posguard.TerminalRequest, txn *posguard.Transaction) (*posguard.Transaction, func(), *posguard.TerminalResponse) {
	detail := map[string]string{"gate": "rules", "original_date": req.OrigDate}
	pre, err := s.findPreAuth(ctx, t, req)
	if err != nil {
		s.log.Error("pre-auth lookup", "terminal", t.ID, "err", err)
		return nil, nil, reject(t, posguard.ReasonHostFault)
	}
	if pre == nil {
		return nil, nil, s.rejectTxn(ctx, t, req, txn, posguard.ReasonPreAuthNotFound, detail)
	}
	unlock := s.originals.lock(pre.ID)
	if pre, err = s.store.ByID(ctx, pre.ID); err != nil {
		unlock()
		return nil, nil, reject(t, posguard.ReasonHostFault)
	}
	txn.OrigID = pre.ID
	detail["original_id"] = strconv.FormatInt(pre.ID, 10)
	detail["original_state"] = string(pre.State)
	detail["original_terminal"] = pre.TerminalID
	detail["original_amount"] = strconv.FormatInt(int64(pre.Amount), 10)
	detail["value"] = strconv.FormatInt(int64(req.Amount), 10)
	fail := func(reason string) (*posguard.Transaction, func(), *posguard.TerminalResponse) {
		unlock()
		return nil, nil, s.rejectTxn(ctx, t, req, txn, reason, detail)
	}
	if why := preAuthClosed(pre); why != "" {
		return fail(why)
	}
	if req.Type == posguard.TxnPreAuthCancel {
		if req.Amount != pre.Amount {
			return fail(posguard.ReasonCancelAmount)
		}
		return pre, unlock, nil
	}
	if pre.PANHash != "" && txn.PANHash != "" && pre.PANHash != txn.PANHash {
		return fail(posguard.ReasonCompletionOtherCard)
	}
	if limit := completionCap(pre.Amount); req.Amount > limit {
		detail["limit"] = strconv.FormatInt(int64(limit), 10)
		return fail(posguard.ReasonCompletionOverAmount)
	}
	return pre, unlock, nil
}

// reopenPreAuth opens a completed pre-auth again after its completion was
// voided (the issuer restores the hold).
func (s *Switch) reopenPreAuth(ctx context.Context, completion *posguard.Transaction, by int64) {
	if completion.Type != posguard.TxnCompletion || completion.OrigID == 0 {
		return
	}
	if p, err := s.store.ByID(ctx, completion.OrigID); err != nil || p.Detail["completed_by"] != strconv.FormatInt(completion.ID, 10) {
		return // the pre-auth was not taken by this completion
	}
	err := s.store.Update(ctx, posguard.TxnUpdate{
		ID: completion.OrigID, FromStates: []posguard.State{posguard.StateCompleted}, State: posguard.StateApproved,
		Note: fmt.Sprintf("completion %d voided by transaction %d: the pre-authorization is open again", completion.ID, by),
		At:   s.Now(),
	})
	if err != nil && posguard.ErrorCode(err) != posguard.ECONFLICT {
		s.log.Error("reopen pre-auth", "txn", completion.OrigID, "err", err)
	}
}

// ExpirePreAuths expires the approved pre-authorizations older than hold
// (DefaultPreAuthHold when 0): each is marked expired and its upstream
// release (an 0420 of the pre-auth) is queued durably in the same store
// transaction. It returns how many it expired.
func (s *Switch) ExpirePreAuths(ctx context.Context, hold time.Duration) (int, error) {
	if hold <= 0 {
		hold = DefaultPreAuthHold
	}
	now := s.Now()
	n := 0
	for {
		due, err := s.store.ExpiringPreAuths(ctx, now.Add(-hold), 100)
		if err != nil {
			return n, err
		}
		done := 0
		for _, p := range due {
			unlock := s.originals.lock(p.ID)
			err := s.store.Update(ctx, posguard.TxnUpdate{
				ID: p.ID, FromStates: []posguard.State{posguard.StateApproved},
				State: posguard.StateReversalPending, Reason: posguard.ReasonPreAuthExpired,
				Detail:        map[string]string{"expired_at": now.UTC().Format(time.RFC3339)},
				Note:          fmt.Sprintf("pre-authorization open for more than %d days: expired, hold release queued", int(hold.Hours()/24)),
				At:            now,
				QueueReversal: &posguard.Reversal{Reason: posguard.ReasonPreAuthExpired},
			})
			unlock()
			if err != nil && posguard.ErrorCode(err) != posguard.ECONFLICT {
				return n, err
			}
			if err == nil {
				n++
			}
			done++
		}
		if n > 0 {
			s.wakeReversals()
		}
		if len(due) < 100 || done == 0 {
			return n, nil
		}
	}
}
