package recon

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/posguard/posguard"
)

// qrRepair acts on a new qr_channel_only exception whose order posguard
// knows: the engine queries the channel, then makes a paying order
// succeeded, or returns the money (a full internal refund of a failed or
// closed order, the reversal of a reversed one again). The exception is
// repaired at once (succeeded), resolved (the channel holds nothing now:
// the money went back on another day's bill), or repair_pending until
// Refresh sees the refund or reversal confirmed.
func (r *Reconciler) qrRepair(ctx context.Context, rep *Report, f *finding, e *posguard.ReconException) error {
	if r.QR == nil || f.qrOrder == nil {
		return nil
	}
	how, err := r.QR.RepairCharge(ctx, f.qrOrder.ID)
	if err != nil {
		// The exception stands open with its case: a person acts, or the
		// next run tries again.
		r.log().Warn("recon: qr repair not started", "order", f.qrOrder.ID, "err", err)
		how = "error: " + err.Error()
	}
	switch how {
	case chargeSucceeded:
		e.Status = posguard.ReconRepaired
	case chargeReturned:
		e.Status = posguard.ReconResolved
	default:
		if !strings.HasPrefix(how, "error") {
			e.Status = posguard.ReconRepairPending
		}
	}
	f.repairNote = "qr repair: " + how
	r.audit(ctx, "recon_qr_repair", "recon/exceptions/"+e.Ident, how, map[string]any{"order_id": *f.OrderID,
		"out_trade_no": f.qrOrder.OutTradeNo, "state": string(f.qrOrder.State), "run_id": rep.RunID})
	return nil
}

// qrOrderID reads the order id (Q<n>) of a stored QR exception; 0 if none.
func qrOrderID(body []byte) int64 {
	var x Exception
	if json.Unmarshal(body, &x) != nil || x.OrderID == nil {
		return 0
	}
	id, _ := strconv.ParseInt(strings.TrimPrefix(*x.OrderID, "Q"), 10, 64)
	return id
}

// refreshQR moves QR exceptions whose repair finished: a charge returned
// (refund succeeded, reversal confirmed) or an order made succeeded is
// repaired; an internal refund the channel refused is open again, for a
// person; a refund that was processing and has succeeded resolves its
// await_refund exception.
func (r *Reconciler) refreshQR(ctx context.Context) ([]*posguard.ReconException, error) {
	if r.QR == nil {
		return nil, nil
	}
	var changed []*posguard.ReconException
	pending, err := r.allExceptions(ctx, posguard.ReconFilter{Status: posguard.ReconRepairPending, Class: posguard.ReconQRChannelOnly})
	if err != nil {
		return nil, err
	}
	for _, e := range pending {
		id := qrOrderID(e.Body)
		if id == 0 {
			continue
		}
		st, err := r.QR.ChargeRepairState(ctx, id)
		if err != nil {
			return nil, err
		}
		switch st {
		case repairDone:
			e.Status = posguard.ReconRepaired
			r.note(ctx, e.CaseID, "repaired: the channel confirmed the money back to the payer, or the order succeeded")
		case repairFailed:
			e.Status = posguard.ReconOpen
			r.note(ctx, e.CaseID, "the internal refund failed at the channel: return the money to the payer by hand, then resolve")
		default:
			continue
		}
		e.Body = withStatus(e.Body, e.Status)
		changed = append(changed, e)
	}
	if r.QRStore == nil {
		return changed, nil
	}
	open, err := r.allExceptions(ctx, posguard.ReconFilter{Status: posguard.ReconOpen, Class: posguard.ReconQRRefundMismatch})
	if err != nil {
		return nil, err
	}
	for _, e := range open {
		var x Exception
		if json.Unmarshal(e.Body, &x) != nil || x.Action != posguard.ActionAwaitRefund || x.OutRefundNo == nil {
			continue
		}
		id := qrOrderID(e.Body)
		refunds, err := r.QRStore.QRRefundsOf(ctx, []int64{id})
		if err != nil {
			return nil, err
		}
		for _, rf := range refunds {
			if rf.RefundNo == *x.OutRefundNo && rf.State == posguard.QRRefundSucceeded {
				e.Status = posguard.ReconResolved
				e.Body = withStatus(e.Body, e.Status)
				r.note(ctx, e.CaseID, "resolved: the refund succeeded")
				changed = append(changed, e)
			}
		}
	}
	return changed, nil
}

// qrHoldAmount is what a hold of a QR order takes from its merchant: the
// net of its ledger posting (qr:Q<n>:approval), or the order's amount while
// the ledger has not posted it.
func (r *Reconciler) qrHoldAmount(ctx context.Context, f *finding) posguard.Amount {
	if f.qrOrder == nil || f.Class == posguard.ReconQRRefundMismatch {
		return posguard.Amount(f.holdAmt)
	}
	id := "Q" + strconv.FormatInt(f.qrOrder.ID, 10)
	if ps, err := r.Money.PostingsByRef(ctx, id); err == nil {
		for _, p := range ps {
			if p.Key == "qr:"+id+":approval" && p.Net > 0 {
				return p.Net
			}
		}
	}
	return posguard.Amount(f.holdAmt)
}
