package recon

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/ledger"
	"github.com/posguard/posguard/recon/clearing"
)

// repair acts on a new exception (spec §4.4) and opens its case.
func (r *Reconciler) repair(ctx context.Context, rep *Report, f *finding, e *posguard.ReconException) error {
	e.Status = posguard.ReconOpen
	if f.Status != "" {
		e.Status = f.Status
	}
	switch f.Action {
	case posguard.ActionReturnCharge, posguard.ActionMarkSucceeded:
		if err := r.qrRepair(ctx, rep, f, e); err != nil {
			return err
		}
	case posguard.ActionAwaitReversal:
		if f.Source == SourceQR {
			if err := r.qrRepair(ctx, rep, f, e); err != nil {
				return err
			}
		}
	case posguard.ActionHold:
		if err := r.hold(ctx, rep, f, e); err != nil {
			return err
		}
	case posguard.ActionCreditCardholder:
		if r.Journal != nil && f.line != nil {
			id, err := r.queueAdjustment(ctx, f)
			if err != nil {
				return err
			}
			e.RepairTxnID = id
			e.Status = posguard.ReconRepairPending
			r.audit(ctx, "recon_credit_adjustment", "recon/exceptions/"+e.Ident, "queued", map[string]any{"txn_id": id,
				"amount": int64(f.line.Cleared()), "run_id": rep.RunID})
			if err := r.suspense(ctx, rep, f, e); err != nil {
				return err
			}
		}
	}
	if f.apply != nil {
		if err := f.apply(ctx); err != nil {
			return err
		}
		r.audit(ctx, "recon_apply_bank_status", "recon/exceptions/"+e.Ident, "ok", map[string]any{"payout_id": e.PayoutID, "run_id": rep.RunID})
	}
	if e.Status == posguard.ReconAwaiting || f.Source == SourceQR && e.Status == posguard.ReconResolved {
		return nil // waiting; or the channel already gave the money back: no one needs to act
	}
	return r.openCase(ctx, rep.Date, f, e)
}

// holdAmount is what a hold of the transaction takes from its merchant:
// the net of its approval posting (what settlement owes for it), or its
// amount when the ledger has not posted it yet. Credits are not held.
func (r *Reconciler) holdAmount(ctx context.Context, f *finding) posguard.Amount {
	if f.Source == SourceQR {
		return r.qrHoldAmount(ctx, f)
	}
	if f.txnID == 0 {
		return posguard.Amount(f.holdAmt)
	}
	ps, err := r.Money.PostingsForTxn(ctx, f.txnID)
	if err == nil {
		for _, p := range ps {
			if p.TxnID == f.txnID && p.Kind == posguard.PostApproval {
				return p.Net
			}
			if p.TxnID == f.txnID && p.Kind.Item() {
				return 0 // a void or refund: nothing of the merchant's to hold
			}
		}
	}
	return posguard.Amount(f.holdAmt)
}

// hold moves the money of the exception's transaction (or payout) to held
// for its merchant (挂账), with a posting naming the run. The posting is a
// settlement item with a negative net: not yet settled, it cancels the
// transaction's item in the same batch; settled or paid, it is deducted
// from the merchant's next settlement.
func (r *Reconciler) hold(ctx context.Context, rep *Report, f *finding, e *posguard.ReconException) error {
	if r.Money == nil || f.merchant == "" {
		return nil
	}
	amt := r.holdAmount(ctx, f)
	if amt <= 0 {
		return nil
	}
	p := ledger.Transfer("recon:"+e.Ident+":hold:"+rep.RunID, posguard.PostReconHold, f.merchant, rep.Date, rep.RunID, amt,
		posguard.MerchantAccount(posguard.AccountMerchantPayable, f.merchant), posguard.MerchantAccount(posguard.AccountHeld, f.merchant))
	p.TxnID, p.Net = f.txnID, -amt
	if _, err := r.Money.AppendPostings(ctx, []*posguard.Posting{p}); err != nil {
		return err
	}
	e.HoldAmount, e.MerchantID = amt, f.merchant
	r.audit(ctx, "recon_hold", "recon/exceptions/"+e.Ident, "ok", map[string]any{"merchant_id": f.merchant, "amount": int64(amt),
		"txn_id": f.txnID, "run_id": rep.RunID})
	return nil
}

// release gives a held exception's money back to its merchant's payable
// (paid with the next settlement).
func (r *Reconciler) release(ctx context.Context, e *posguard.ReconException, runID string) error {
	if r.Money == nil || e.HoldAmount <= 0 {
		return nil
	}
	p := ledger.Transfer("recon:"+e.Ident+":release:"+runID, posguard.PostReconRelease, e.MerchantID, e.Date, runID, e.HoldAmount,
		posguard.MerchantAccount(posguard.AccountHeld, e.MerchantID), posguard.MerchantAccount(posguard.AccountMerchantPayable, e.MerchantID))
	p.TxnID, p.Net = e.TxnID, e.HoldAmount
	if _, err := r.Money.AppendPostings(ctx, []*posguard.Posting{p}); err != nil {
		return err
	}
	r.audit(ctx, "recon_release", "recon/exceptions/"+e.Ident, "ok", map[string]any{"merchant_id": e.MerchantID,
		"amount": int64(e.HoldAmount), "by": runID})
	e.HoldAmount = 0
	return nil
}

// Release resolves an exception by hand (a finance user), releasing its
// hold. ENOTFOUND if unknown; ECONFLICT if already resolved.
func (r *Reconciler) Release(ctx context.Context, ident, who string) error {
	m, err := r.Store.ExceptionsByIdent(ctx, []string{ident})
	if err != nil {
		return err
	}
	e := m[ident]
	if e == nil {
		return posguard.Errorf(posguard.ENOTFOUND, "exception %q not found", ident)
	}
	if e.Status == posguard.ReconResolved {
		return posguard.Errorf(posguard.ECONFLICT, "exception %q is already resolved", ident)
	}
	if err := r.release(ctx, e, "manual:"+strconv.FormatInt(r.now().UnixNano(), 10)); err != nil {
		return err
	}
	e.Status = posguard.ReconResolved
	e.Body = withStatus(e.Body, e.Status)
	r.note(ctx, e.CaseID, "resolved by "+who)
	return r.Store.PutExceptions(ctx, []*posguard.ReconException{e})
}

// suspense records, for a cleared charge posguard holds as failed, that the
// network owes the acquirer money that is the cardholder's: Dr
// network_receivable, Cr suspense, until the credit adjustment returns it.
func (r *Reconciler) suspense(ctx context.Context, rep *Report, f *finding, e *posguard.ReconException) error {
	if r.Money == nil || f.line == nil || !f.line.Kind.Debit() {
		return nil
	}
	amt := f.line.Cleared()
	p := ledger.Transfer("recon:"+e.Ident+":cleared", posguard.PostReconSuspense, "", rep.Date, rep.RunID, amt,
		ledger.NetworkReceivable, posguard.Account(posguard.AccountSuspense))
	p.TxnID = f.txnID
	_, err := r.Money.AppendPostings(ctx, []*posguard.Posting{p})
	return err
}

// credited posts the approved credit adjustment out of suspense.
func (r *Reconciler) credited(ctx context.Context, e *posguard.ReconException, t *posguard.Transaction) error {
	if r.Money == nil {
		return nil
	}
	p := ledger.Transfer("recon:"+e.Ident+":credited", posguard.PostReconSuspense, "", t.SettlementDate, strconv.FormatInt(t.ID, 10),
		t.Amount, posguard.Account(posguard.AccountSuspense), ledger.NetworkReceivable)
	p.TxnID = t.ID
	_, err := r.Money.AppendPostings(ctx, []*posguard.Posting{p})
	return err
}

// AdjustmentBatch is the batch number under which credit adjustments are
// journaled (their TxnKey: the line's terminal, this batch, a trace number
// derived from the exception, MTI 0220).
const AdjustmentBatch = "RECON"

// queueAdjustment journals the credit adjustment (贷记调整) that returns a
// line's amount to the cardholder, in state received: an Adjuster sends
// it. Journaling is idempotent per exception.
func (r *Reconciler) queueAdjustment(ctx context.Context, f *finding) (int64, error) {
	l := f.line
	sum := sha256.Sum256([]byte(f.ident))
	hash := hex.EncodeToString(sum[:])
	n := binary.BigEndian.Uint64(sum[:8])
	now := r.now()
	for try := uint64(0); try < 8; try++ {
		stan := fmt.Sprintf("%06d", (n+try)%1000000)
		t := &posguard.Transaction{
			TxnKey:      posguard.TxnKey{TerminalID: l.Terminal, Batch: AdjustmentBatch, STAN: stan, MTI: "0220"},
			Type:        posguard.TxnCreditAdjustment,
			ContentHash: hash, MerchantID: l.Merchant, PANMasked: l.Card, Amount: l.Cleared(), Currency: posguard.CurrencyCNY,
			ProcCode: "220000", SettlementDate: r.businessDate(now), RRN: fmt.Sprintf("9%011d", (n+try)%100000000000),
			State: posguard.StateReceived, OrigID: f.txnID, UpstreamSTAN: stan, UpstreamTime: now.Format("0102150405"),
			Detail: map[string]string{
				"recon_exception": f.ident, "orig_mti": clearing.MTIOf(l.Kind), "orig_stan": l.Trace, "orig_time": l.Transmitted,
			},
		}
		err := r.Journal.Insert(ctx, t)
		if err == nil {
			return t.ID, nil
		}
		if posguard.ErrorCode(err) != posguard.ECONFLICT {
			return 0, err
		}
		if old, err := r.Journal.ByKey(ctx, t.TxnKey); err == nil && old.ContentHash == hash {
			return old.ID, nil
		}
	}
	return 0, posguard.Errorf(posguard.ECONFLICT, "no free trace number for the credit adjustment of %s", f.ident)
}

// businessDate is the settlement date of moment t in the reconciler's
// business calendar (UTC+8, 23:00 cut-off by default: the network's).
func (r *Reconciler) businessDate(t time.Time) string {
	return r.Calendar.SettlementDate(t)
}

// openCase opens the exception's case (recon_discrepancy) with both sides
// as evidence.
func (r *Reconciler) openCase(ctx context.Context, date string, f *finding, e *posguard.ReconException) error {
	if r.Cases == nil || e.CaseID != 0 {
		return nil
	}
	amt := posguard.Amount(0)
	if f.Amount != nil {
		amt = posguard.Amount(*f.Amount)
	} else if f.FileAmount != nil {
		amt = posguard.Amount(*f.FileAmount)
	}
	now := r.now()
	what := fmt.Sprintf("reconciliation %s: %s", date, f.Class)
	if f.Source == SourceQR {
		what += " channel " + deref(f.Channel) + " out_trade_no " + deref(f.OutTradeNo)
		if f.OrderID != nil {
			what += " (order " + *f.OrderID + ")"
		}
	}
	if f.RRN != "" {
		what += " RRN " + f.RRN + " terminal " + f.Terminal
	}
	if f.PayoutID != nil {
		what += " payout " + *f.PayoutID
	}
	c := &posguard.Case{Kind: posguard.CaseReconDiscrepancy, Status: posguard.CaseOpen, Priority: posguard.P3,
		TxnID: e.TxnID, MerchantID: f.Merchant, TerminalID: f.Terminal, Amount: amt, Currency: posguard.CurrencyCNY,
		Reason: "recon." + f.Class, Cause: causeText(f.Class), Title: what, OpenedBy: "posguard", DueAt: now.Add(24 * time.Hour)}
	if e.TxnID == 0 {
		c.TxnID = 0
	}
	entries := []posguard.CaseEntry{
		{Kind: posguard.EntryCause, Author: "posguard", Text: causeText(f.Class), At: now},
		{Kind: posguard.EntryNote, Author: "posguard", Text: evidence(f, e), At: now},
	}
	if _, err := r.Cases.OpenCase(ctx, c, entries); err != nil {
		return err
	}
	e.CaseID = c.ID
	return nil
}

// evidence describes both sides of an exception and what posguard did.
func evidence(f *finding, e *posguard.ReconException) string {
	var b strings.Builder
	fmt.Fprintf(&b, "exception %s; action %s", e.Ident, f.Action)
	if l := f.line; l != nil {
		fmt.Fprintf(&b, "; file line %d: %s %d fen, trace %s, transmitted %s, card %s", l.No, l.Kind, l.Cleared(), l.Trace, l.Transmitted, l.Card)
	}
	if f.TransactionID != nil {
		fmt.Fprintf(&b, "; journal transaction %s", *f.TransactionID)
		if f.JournalState != nil {
			fmt.Fprintf(&b, " %s", *f.JournalState)
		}
		if f.Amount != nil {
			fmt.Fprintf(&b, " %d fen", *f.Amount)
		}
	}
	if f.Source == SourceQR {
		fmt.Fprintf(&b, "; channel %s bill %s", deref(f.Channel), deref(f.Bill))
		if f.Line != nil {
			fmt.Fprintf(&b, " line %d", *f.Line)
		}
		fmt.Fprintf(&b, ", out_trade_no %s", deref(f.OutTradeNo))
		if f.OutRefundNo != nil {
			fmt.Fprintf(&b, ", out_refund_no %s", *f.OutRefundNo)
		}
		if f.FileAmount != nil {
			fmt.Fprintf(&b, ": %d fen on the bill", *f.FileAmount)
		}
		if f.OrderID != nil {
			fmt.Fprintf(&b, "; order %s %s", *f.OrderID, deref(f.JournalState))
			if f.Amount != nil {
				fmt.Fprintf(&b, " %d fen", *f.Amount)
			}
		} else {
			b.WriteString("; no posguard order has this number")
		}
		if f.repairNote != "" {
			b.WriteString("; " + f.repairNote)
		}
	}
	if e.HoldAmount > 0 {
		fmt.Fprintf(&b, "; %d fen held for merchant %s", e.HoldAmount, e.MerchantID)
	}
	if e.RepairTxnID != 0 {
		fmt.Fprintf(&b, "; credit adjustment %d queued", e.RepairTxnID)
	}
	return b.String()
}

// causeText explains a class in one line, zh then en.
func causeText(class string) string {
	switch class {
	case posguard.ReconDuplicate:
		return "清算文件重复 / the network cleared the same transaction twice"
	case posguard.ReconNetworkOnly:
		return "交易失败却扣款 (长款) / the network cleared a transaction posguard holds as failed or does not know"
	case posguard.ReconStateMismatch:
		return "状态不符 / the network cleared the transaction as another kind"
	case posguard.ReconAmountMismatch:
		return "金额不符 / the network cleared another amount"
	case posguard.ReconJournalOnly:
		return "短款 / approved by posguard, not cleared by the network"
	case posguard.ReconPayoutNotInBank:
		return "代付结果缺失 / the bank's result file has no line for the payout"
	case posguard.ReconBankOnly:
		return "银行多出 / the bank reports a payout posguard does not know"
	case posguard.ReconPayoutAmountMismatch:
		return "代付金额不符 / the bank paid another amount"
	case posguard.ReconPayoutStatusMismatch:
		return "代付状态不符 / the bank's status of the payout differs from posguard's"
	case posguard.ReconQRChannelOnly:
		return "扫码交易失败却扣款 (渠道长款) / the wallet channel holds money for an order posguard does not show paid"
	case posguard.ReconQRJournalOnly:
		return "渠道账单缺少成功订单 (渠道短款) / an order posguard shows paid is missing from the channel's bill"
	case posguard.ReconQRAmountMismatch:
		return "扫码金额不符 / the channel took another amount than the order's"
	case posguard.ReconQRStateMismatch:
		return "扫码状态不符 / the channel reversed an order posguard shows paid"
	case posguard.ReconQRRefundMismatch:
		return "扫码退款不符 / the channel's refunds differ from posguard's"
	case posguard.ReconQRFeeMismatch:
		return "渠道手续费不符 / the channel's fee differs from its configured rate"
	}
	return class
}

// note adds a timeline entry to a case, when there is one.
func (r *Reconciler) note(ctx context.Context, caseID int64, text string) {
	if r.Cases == nil || caseID == 0 {
		return
	}
	if err := r.Cases.AddCaseEntry(ctx, &posguard.CaseEntry{CaseID: caseID, Kind: posguard.EntryNote, Author: "posguard", Text: text, At: r.now()}); err != nil {
		r.log().Warn("recon: case note not added", "case", caseID, "err", err)
	}
}
