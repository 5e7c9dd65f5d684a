package qr

import (
	"context"
	"sort"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/wallet"
)

// Classes of a QR reconciliation finding.
const (
	// ReconChargedNotSucceeded: the channel holds money (PAY − REVERSE −
	// REFUND of the day) for an order posguard shows failed, closed or
	// reversed, or still paying: the invariant of spec §3.8 is broken
	// (or not yet restored: the reversal is still pending).
	ReconChargedNotSucceeded = "charged_not_succeeded"
	// ReconUnknownOrder: the bill names an out_trade_no posguard never made.
	ReconUnknownOrder = "unknown_order"
	// ReconAmountMismatch: the PAY row's amount differs from the order's,
	// or a REFUND row's from posguard's refund.
	ReconAmountMismatch = "amount_mismatch"
	// ReconMissingAtChannel: posguard shows the order paid that day (by the
	// channel's paid_at) and the bill has no PAY row for it.
	ReconMissingAtChannel = "missing_at_channel"
	// ReconUnknownRefund: a REFUND row whose out_refund_no posguard never made.
	ReconUnknownRefund = "unknown_refund"
)

// ReconFinding is one difference between a channel's day bill and the
// journal.
type ReconFinding struct {
	Class       string `json:"class"`
	Channel     string `json:"channel"`
	MchID       string `json:"mch_id"`
	OutTradeNo  string `json:"out_trade_no"`
	OutRefundNo string `json:"out_refund_no,omitempty"`
	OrderID     string `json:"order_id,omitempty"`
	State       string `json:"state,omitempty"`
	// Channel is what the bill shows moved (net, fen), Journal what
	// posguard expects.
	ChannelAmount int64 `json:"channel_amount"`
	JournalAmount int64 `json:"journal_amount"`
}

// ReconReport is the reconciliation of one day (UTC+08:00) of every
// channel's bill of every merchant with a wallet.
type ReconReport struct {
	Date     string         `json:"date"`
	Bills    int            `json:"bills"`
	Rows     int            `json:"rows"`
	Findings []ReconFinding `json:"findings"`
}

// cst is the zone of the channels' bills.
var cst = time.FixedZone("CST", 8*3600)

// Reconcile fetches date's bill (YYYY-MM-DD) from every configured channel
// for every merchant with a wallet and compares it with the journal. It
// changes nothing. A bill that cannot be fetched (no trusted answer,
// BILL_NOT_READY) fails the whole run with EUNAVAILABLE.
func (e *Engine) Reconcile(ctx context.Context, date string) (*ReconReport, error) {
	day, err := time.ParseInLocation("2006-01-02", date, cst)
	if err != nil {
		return nil, posguard.Errorf(posguard.EINVALID, "date: want YYYY-MM-DD")
	}
	rep := &ReconReport{Date: date, Findings: []ReconFinding{}}
	ms, err := e.Merchants.Merchants(ctx)
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		w, err := e.Store.MerchantWallet(ctx, m.ID)
		if posguard.ErrorCode(err) == posguard.ENOTFOUND {
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, ch := range e.channels {
			a, err := e.clients[ch.Name].Bill(ctx, wallet.BillRequest{MchID: w.MchID, Date: date})
			if err == nil && !a.OK() {
				err = a.Err()
			}
			if err != nil {
				return nil, posguard.WrapError(posguard.EUNAVAILABLE, err, "bill of %s for %s", ch.Name, m.ID)
			}
			rows, err := wallet.ParseBill(a.Bill)
			if err != nil {
				return nil, posguard.WrapError(posguard.EUNAVAILABLE, err, "bill of %s for %s", ch.Name, m.ID)
			}
			rep.Bills++
			rep.Rows += len(rows)
			f, err := e.reconcileBill(ctx, ch.Name, m.ID, w.MchID, day, rows)
			if err != nil {
				return nil, err
			}
			rep.Findings = append(rep.Findings, f...)
		}
	}
	return rep, nil
}

// reconcileBill compares one bill with the journal.
func (e *Engine) reconcileBill(ctx context.Context, channel, mid, mchID string, day time.Time, rows []wallet.BillRow) ([]ReconFinding, error) {
	type moved struct{ pay, reverse, refund int64 }
	byTrade := map[string]*moved{}
	refundRows := map[string]int64{}
	for _, r := range rows {
		mv := byTrade[r.OutTradeNo]
		if mv == nil {
			mv = &moved{}
			byTrade[r.OutTradeNo] = mv
		}
		switch r.Type {
		case wallet.BillPay:
			mv.pay += r.Amount
		case wallet.BillReverse:
			mv.reverse += r.Amount
		case wallet.BillRefund:
			mv.refund += r.Amount
			refundRows[r.OutRefundNo] += r.Amount
		}
	}
	var out []ReconFinding
	trades := make([]string, 0, len(byTrade))
	for k := range byTrade {
		trades = append(trades, k)
	}
	sort.Strings(trades)
	refundNos := map[string]int64{}
	for _, no := range trades {
		mv := byTrade[no]
		f := ReconFinding{Channel: channel, MchID: mchID, OutTradeNo: no, ChannelAmount: mv.pay - mv.reverse - mv.refund}
		o, err := e.Store.QROrderByTradeNo(ctx, no)
		if posguard.ErrorCode(err) == posguard.ENOTFOUND {
			f.Class = ReconUnknownOrder
			out = append(out, f)
			continue
		}
		if err != nil {
			return nil, err
		}
		f.OrderID, f.State = OrderID(o.ID), string(o.State)
		refunds, err := e.Store.QRRefunds(ctx, o.ID)
		if err != nil {
			return nil, err
		}
		var internal int64
		for _, r := range refunds {
			if r.State == posguard.QRRefundSucceeded {
				refundNos[r.RefundNo] = int64(r.Amount)
				if r.Internal {
					internal += int64(r.Amount)
				}
			}
		}
		switch {
		case o.State != posguard.QRSucceeded && mv.pay-mv.reverse-mv.refund != 0 && mv.pay-mv.reverse-internal != 0:
			f.Class = ReconChargedNotSucceeded
		case o.State == posguard.QRSucceeded && mv.pay != 0 && mv.pay != int64(o.Amount):
			f.Class, f.JournalAmount = ReconAmountMismatch, int64(o.Amount)
		}
		if f.Class != "" {
			out = append(out, f)
		}
	}
	for no, amt := range refundRows {
		want, ok := refundNos[no]
		switch {
		case !ok:
			out = append(out, ReconFinding{Class: ReconUnknownRefund, Channel: channel, MchID: mchID, OutRefundNo: no, ChannelAmount: amt})
		case want != amt:
			out = append(out, ReconFinding{Class: ReconAmountMismatch, Channel: channel, MchID: mchID, OutRefundNo: no, ChannelAmount: amt, JournalAmount: want})
		}
	}
	// Orders the journal shows paid that day at this channel, absent from the bill.
	end := day.AddDate(0, 0, 1)
	for before := int64(0); ; {
		list, err := e.Store.QROrders(ctx, posguard.QROrderFilter{MerchantID: mid, State: posguard.QRSucceeded,
			From: day.Add(-24 * time.Hour), To: end.Add(time.Hour), Before: before, Limit: 1000})
		if err != nil {
			return nil, err
		}
		for _, o := range list {
			if o.ChannelName == channel && !o.PaidAt.Before(day) && o.PaidAt.Before(end) && byTrade[o.OutTradeNo] == nil {
				out = append(out, ReconFinding{Class: ReconMissingAtChannel, Channel: channel, MchID: mchID, OutTradeNo: o.OutTradeNo,
					OrderID: OrderID(o.ID), State: string(o.State), JournalAmount: int64(o.Amount)})
			}
		}
		if len(list) < 1000 {
			break
		}
		before = list[len(list)-1].ID
	}
	return out, nil
}
