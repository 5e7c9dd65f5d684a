package casework

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/posguard/posguard"
)

// OnReversalFailed opens a reversal_failed case for txn, whose upstream
// reversal is past its attempt limit (retries go on). The reversal worker
// calls it; it is idempotent.
func (s *Service) OnReversalFailed(ctx context.Context, txn *posguard.Transaction) {
	detail := map[string]string{}
	for k, v := range txn.Detail {
		detail[k] = v
	}
	if r, err := s.Store.PendingReversalFor(ctx, txn.ID); err == nil {
		detail["attempts"] = strconv.Itoa(r.Attempts)
		if r.LastError != "" {
			detail["last_error"] = r.LastError
		}
	}
	if _, _, err := s.open(ctx, posguard.CaseReversalFailed, txn, posguard.ReasonReversalRetrying, detail,
		"reversal not acknowledged / 冲正未获确认", System, ""); err != nil {
		s.log().Error("open reversal_failed case", "txn", txn.ID, "err", err)
	}
}

// OnLateApproval opens a late_approval_reversed case for txn: the issuer
// approved after the host had timed out, so the cardholder may see a debit
// until the reversal is acknowledged. The switch calls it from HandleLate.
func (s *Service) OnLateApproval(ctx context.Context, txn *posguard.Transaction) {
	if _, _, err := s.open(ctx, posguard.CaseLateApproval, txn, posguard.ReasonLateApproval, nil,
		"late approval reversed / 超时后批准已冲正", System, ""); err != nil {
		s.log().Error("open late_approval case", "txn", txn.ID, "err", err)
	}
}

// OnChargedButFailed opens a charged_but_failed case for txn: the terminal
// was told the payment failed (98 or 96) but the reversal that undoes any
// debit is not acknowledged yet.
func (s *Service) OnChargedButFailed(ctx context.Context, txn *posguard.Transaction) {
	if _, _, err := s.open(ctx, posguard.CaseChargedButFailed, txn, "", nil,
		"suspected charged but failed / 疑似交易失败但已扣款", System, ""); err != nil {
		s.log().Error("open charged_but_failed case", "txn", txn.ID, "err", err)
	}
}

// toldFailed reports whether the terminal was told txn failed while money
// may have moved (timeout or untrusted answer).
func toldFailed(t *posguard.Transaction) bool {
	return t.Type.MovesMoney() && (t.ResponseCode == "98" || t.ResponseCode == "96")
}

// Scan opens a charged_but_failed case for every transaction the terminal
// was told failed (98/96) whose reversal is still not acknowledged
// ChargedAfter after it was journaled. It returns how many cases it opened.
// Run it periodically (every minute is plenty).
func (s *Service) Scan(ctx context.Context) (int, error) {
	wait := s.ChargedAfter
	if wait <= 0 {
		wait = 10 * time.Minute
	}
	cutoff := s.now().Add(-wait)
	n := 0
	for _, st := range []posguard.State{posguard.StateReversalPending, posguard.StateReversalFailed, posguard.StateTimedOut} {
		after := int64(0)
		for {
			list, err := s.Store.List(ctx, posguard.TxnFilter{State: st, To: cutoff, After: after, Limit: 1000})
			if err != nil {
				return n, err
			}
			for _, t := range list {
				if !toldFailed(t) {
					continue
				}
				have, err := s.Store.Cases(ctx, posguard.CaseFilter{Kind: posguard.CaseChargedButFailed, TxnID: t.ID, Limit: 1})
				if err != nil {
					return n, err
				}
				if len(have) > 0 {
					continue
				}
				if _, created, err := s.open(ctx, posguard.CaseChargedButFailed, t, "", nil,
					"suspected charged but failed / 疑似交易失败但已扣款", System, ""); err != nil {
					return n, err
				} else if created {
					n++
				}
			}
			if len(list) < 1000 {
				break
			}
			after = list[len(list)-1].ID
		}
	}
	return n, nil
}

// Complaint is a merchant's complaint about one transaction.
type Complaint struct {
	TxnID      int64  // the transaction, or
	RRN        string // its reference number
	MerchantID string // when set, the transaction must be this merchant's
	Author     string // who files it
	Text       string // what the merchant says
}

// OpenComplaint opens (or finds) the merchant_complaint case of the
// complaint's transaction and records the merchant's words as a note. It
// reports whether the case is new. ENOTFOUND if no such transaction exists
// (for this merchant); EINVALID without a transaction, author or text.
func (s *Service) OpenComplaint(ctx context.Context, in Complaint) (*posguard.Case, bool, error) {
	in.Author, in.Text, in.RRN = strings.TrimSpace(in.Author), strings.TrimSpace(in.Text), strings.TrimSpace(in.RRN)
	if in.Author == "" || in.Text == "" {
		return nil, false, posguard.Errorf(posguard.EINVALID, "author and text are required")
	}
	var txn *posguard.Transaction
	switch {
	case in.TxnID > 0:
		t, err := s.Store.ByID(ctx, in.TxnID)
		if err != nil {
			return nil, false, err
		}
		txn = t
	case in.RRN != "":
		list, err := s.Store.ByRRN(ctx, in.RRN)
		if err != nil {
			return nil, false, err
		}
		for _, t := range list {
			if in.MerchantID == "" || t.MerchantID == in.MerchantID {
				txn = t
				break
			}
		}
		if txn == nil {
			return nil, false, posguard.Errorf(posguard.ENOTFOUND, "no transaction with reference %s", in.RRN)
		}
	default:
		return nil, false, posguard.Errorf(posguard.EINVALID, "txn_id or rrn is required")
	}
	if in.MerchantID != "" && txn.MerchantID != in.MerchantID {
		return nil, false, posguard.Errorf(posguard.ENOTFOUND, "transaction %d is not merchant %s's", txn.ID, in.MerchantID)
	}
	c, created, err := s.open(ctx, posguard.CaseMerchantComplaint, txn, "", nil, "merchant complaint / 商户投诉", in.Author, in.Text)
	if err != nil {
		return nil, false, err
	}
	if !created {
		if _, err := s.AddEntry(ctx, c.ID, posguard.EntryNote, in.Author, in.Text); err != nil && posguard.ErrorCode(err) != posguard.EINVALID {
			return nil, false, err
		}
	}
	return c, created, nil
}

// OnRiskFreeze opens a risk_freeze case for txn, the payment whose risk
// rule froze its merchant; note says which rule and why. It returns the
// case (nil when it could not be opened, which is logged).
func (s *Service) OnRiskFreeze(ctx context.Context, txn *posguard.Transaction, note string) *posguard.Case {
	c, _, err := s.open(ctx, posguard.CaseRiskFreeze, txn, posguard.ReasonRiskFrozen, nil,
		"merchant frozen by a risk rule / 风控规则冻结商户", System, note)
	if err != nil {
		s.log().Error("open risk_freeze case", "txn", txn.ID, "err", err)
		return nil
	}
	return c
}
