package recon

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/wallet"
)

// QRChannels is what QR reconciliation needs of the QR order engine
// (qr.Engine implements it): the bills to fetch, fetching one, and the
// repair of a charge posguard does not show succeeded.
type QRChannels interface {
	// BillSources lists every day bill: each channel for each merchant
	// with a wallet.
	BillSources(ctx context.Context) ([]posguard.QRBillSource, error)
	// FetchBill asks the channel for src's bill of date: ENOTFOUND when
	// the channel's day has not begun, EUNAVAILABLE without a trusted
	// answer.
	FetchBill(ctx context.Context, src posguard.QRBillSource, date string) ([]byte, error)
	// RepairCharge queries the channel and returns the money to the payer
	// (refund, reversal again) or makes a paying order succeeded; it
	// returns what it did (qr.Charge*).
	RepairCharge(ctx context.Context, orderID int64) (string, error)
	// ChargeRepairState says whether that repair is done, pending or
	// failed (qr.Repair*).
	ChargeRepairState(ctx context.Context, orderID int64) (string, error)
}

// Outcomes of QRChannels.RepairCharge and ChargeRepairState (the values
// of package qr, repeated so recon does not import the engine).
const (
	chargeSucceeded = "succeeded"
	chargeReturned  = "returned"
	repairDone      = "done"
	repairFailed    = "failed"
)

// qrReturnSlack is how long after a day's start a refund posguard dated
// that day may still be on the previous day's bill (the channel's moment
// of the refund comes before posguard records its answer): such a refund
// missing from the bill is not an exception.
const qrReturnSlack = 10 * time.Minute

// gatherQR reads the bills a run reconciles: the files given and, with
// in.FetchQR, every source's bill fetched from its channel (a file given
// for a source wins). It returns them ordered by channel and sub-merchant,
// and the digest of them all (a run's identity with the card files).
func (r *Reconciler) gatherQR(ctx context.Context, in Input) ([]*qrBill, string, error) {
	if len(in.QRBills) == 0 && !in.FetchQR {
		return nil, "", nil
	}
	var sources []posguard.QRBillSource
	if r.QR != nil {
		var err error
		if sources, err = r.QR.BillSources(ctx); err != nil {
			return nil, "", err
		}
	}
	find := func(channel, mchID string) (posguard.QRBillSource, bool) {
		for _, s := range sources {
			if s.Channel == channel && s.MchID == mchID {
				return s, true
			}
		}
		return posguard.QRBillSource{}, false
	}
	var bills []*qrBill
	given := map[string]bool{}
	for _, f := range in.QRBills {
		name := baseName(f.Name)
		channel, mchID := f.Channel, f.MchID
		if d, c, m, ok := ParseQRBillName(name); ok {
			if d != in.Date {
				return nil, "", posguard.Errorf(posguard.EINVALID, "%s is the QR bill of %s, not of %s", name, d, in.Date)
			}
			if channel == "" {
				channel, mchID = c, m
			}
		} else if channel == "" {
			return nil, "", posguard.Errorf(posguard.EINVALID, "%q: name a QR bill file %s", name, QRBillName(in.Date, "CHANNEL", "MCH_ID"))
		}
		if name == "" {
			name = QRBillName(in.Date, channel, mchID)
		}
		src, ok := find(channel, mchID)
		if !ok {
			return nil, "", posguard.Errorf(posguard.EINVALID, "%s: no configured channel %q with a merchant whose sub-merchant id is %q", name, channel, mchID)
		}
		if given[channel+"|"+mchID] {
			return nil, "", posguard.Errorf(posguard.EINVALID, "%s: a second bill of channel %s for %s", name, channel, mchID)
		}
		given[channel+"|"+mchID] = true
		b, err := readQRBill(name, in.Date, src, f.Data)
		if err != nil {
			return nil, "", err
		}
		bills = append(bills, b)
	}
	if in.FetchQR {
		for _, src := range sources {
			if given[src.Channel+"|"+src.MchID] {
				continue
			}
			data, err := r.QR.FetchBill(ctx, src, in.Date)
			if posguard.ErrorCode(err) == posguard.ENOTFOUND {
				continue // the day has not begun at the channel: no bill yet
			}
			if err != nil {
				return nil, "", err
			}
			name := QRBillName(in.Date, src.Channel, src.MchID)
			b, err := readQRBill(name, in.Date, src, data)
			if err != nil {
				return nil, "", posguard.WrapError(posguard.EUNAVAILABLE, err, "the channel's bill")
			}
			b.name = "channel"
			bills = append(bills, b)
		}
	}
	sort.Slice(bills, func(i, j int) bool {
		if bills[i].src.Channel != bills[j].src.Channel {
			return bills[i].src.Channel < bills[j].src.Channel
		}
		return bills[i].src.MchID < bills[j].src.MchID
	})
	h := sha256.New()
	for _, b := range bills {
		h.Write([]byte(b.src.Channel + "|" + b.src.MchID + "|" + b.sha + "\n"))
	}
	if len(bills) == 0 {
		return nil, "", nil
	}
	return bills, hex.EncodeToString(h.Sum(nil)), nil
}

// qrSide is what matching the bills of a date needs of the QR journal.
type qrSide struct {
	byNo      map[string]*posguard.QROrder
	paid      map[string][]*posguard.QROrder  // channel|merchant → succeeded orders paid on the date
	refunds   map[int64][]*posguard.QRRefund  // by order
	refundNo  map[string]*posguard.QRRefund   // by posguard's out_refund_no at the channel
	refundDay map[string][]*posguard.QRRefund // succeeded on the date, by channel|merchant of the order
	byID      map[int64]*posguard.QROrder
}

// loadQR reads the orders the bills name, the orders paid on the date, and
// their refunds.
func (r *Reconciler) loadQR(ctx context.Context, date string, bills []*qrBill) (*qrSide, error) {
	if r.QRStore == nil {
		return nil, posguard.Errorf(posguard.EINTERNAL, "reconciliation of QR bills needs the QR store")
	}
	day, _ := time.ParseInLocation("2006-01-02", date, cst)
	end := day.AddDate(0, 0, 1)
	q := &qrSide{byNo: map[string]*posguard.QROrder{}, paid: map[string][]*posguard.QROrder{},
		refunds: map[int64][]*posguard.QRRefund{}, refundNo: map[string]*posguard.QRRefund{}, refundDay: map[string][]*posguard.QRRefund{}}
	if err := r.QRStore.PaidQROrders(ctx, day, end, func(o *posguard.QROrder) error {
		q.byNo[o.OutTradeNo] = o
		k := o.ChannelName + "|" + o.MerchantID
		q.paid[k] = append(q.paid[k], o)
		return nil
	}); err != nil {
		return nil, err
	}
	var nos []string
	for _, b := range bills {
		for _, row := range b.rows {
			if q.byNo[row.OutTradeNo] == nil {
				q.byNo[row.OutTradeNo] = nil
				nos = append(nos, row.OutTradeNo)
			}
		}
	}
	sort.Strings(nos)
	nos = compactStrings(nos)
	named, err := r.QRStore.QROrdersByTradeNo(ctx, nos)
	if err != nil {
		return nil, err
	}
	for _, o := range named {
		q.byNo[o.OutTradeNo] = o
	}
	byID := map[int64]*posguard.QROrder{}
	var ids []int64
	for _, o := range q.byNo {
		if o != nil {
			ids = append(ids, o.ID)
			byID[o.ID] = o
		}
	}
	var refundDay []*posguard.QRRefund
	if err := r.QRStore.SucceededQRRefunds(ctx, day, end, func(x *posguard.QRRefund) error {
		refundDay = append(refundDay, x)
		if _, ok := byID[x.OrderID]; !ok {
			byID[x.OrderID] = nil
			ids = append(ids, x.OrderID)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	// Orders of refunds of the date that no bill names nor paid that day.
	for _, x := range refundDay {
		o := byID[x.OrderID]
		if o == nil {
			var err error
			if o, err = r.QRStore.QROrder(ctx, x.OrderID); err != nil {
				return nil, err
			}
			byID[o.ID] = o
		}
		k := o.ChannelName + "|" + o.MerchantID
		q.refundDay[k] = append(q.refundDay[k], x)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	refunds, err := r.QRStore.QRRefundsOf(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, x := range refunds {
		q.refunds[x.OrderID] = append(q.refunds[x.OrderID], x)
		if x.RefundNo != "" {
			q.refundNo[x.RefundNo] = x
		}
	}
	q.byID = byID
	return q, nil
}

func compactStrings(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// matchQR matches every bill of the run against the QR journal
// (docs/reconciliation.md, "QR bills"): each row is matched or part of an
// exception; orders and refunds posguard shows succeeded that day with no
// row are exceptions too.
func (r *Reconciler) matchQR(ctx context.Context, date string, bills []*qrBill, m *matcher) error {
	q, err := r.loadQR(ctx, date, bills)
	if err != nil {
		return err
	}
	day, _ := time.ParseInLocation("2006-01-02", date, cst)
	rep := m.report
	for _, b := range bills {
		s := QRBillSummary{Channel: b.src.Channel, Kind: b.src.Kind, Merchant: b.src.MerchantID, MchID: b.src.MchID,
			Source: b.name, SHA256: b.sha, Rows: len(b.rows)}
		bm := &qrBillMatch{m: m, q: q, b: b, date: date, sum: &s, fees: r.QRFeeBPS}
		bm.match(day)
		rep.QRBills = append(rep.QRBills, s)
		rep.QRLines += s.Rows
		rep.QRMatched += s.Matched
		m.qrBills = append(m.qrBills, b.src.Channel+"|"+b.src.MchID)
	}
	return nil
}

// qrBillMatch matches one bill.
type qrBillMatch struct {
	m    *matcher
	q    *qrSide
	b    *qrBill
	date string
	sum  *QRBillSummary
	fees map[string]int64
}

func (bm *qrBillMatch) match(day time.Time) {
	b, q, s := bm.b, bm.q, bm.sum
	// Rows by order number (their indexes in the bill), in the order of
	// their first row.
	var order []string
	by := make(map[string][]int32, len(b.rows))
	seenRefund := map[string]bool{}
	for i := range b.rows {
		row := &b.rows[i]
		if by[row.OutTradeNo] == nil {
			order = append(order, row.OutTradeNo)
		}
		by[row.OutTradeNo] = append(by[row.OutTradeNo], int32(i))
		switch row.Type {
		case wallet.BillPay:
			s.Totals.PayCount++
			s.Totals.PayAmount += row.Amount
		case wallet.BillReverse:
			s.Totals.ReverseCount++
			s.Totals.ReverseAmount += row.Amount
		case wallet.BillRefund:
			s.Totals.RefundCount++
			s.Totals.RefundAmount += row.Amount
			seenRefund[row.OutRefundNo] = true
		}
		s.Totals.Fees += row.Fee
		bm.checkFee(*row)
	}
	var rows []qrRow
	for _, no := range order {
		rows = rows[:0]
		for _, i := range by[no] {
			rows = append(rows, b.rows[i])
		}
		bm.order(no, rows)
	}
	// Succeeded that day at this channel for this merchant, no PAY row.
	for _, o := range q.paid[b.src.Channel+"|"+b.src.MerchantID] {
		if bm.hasPay(by[o.OutTradeNo]) {
			continue
		}
		f := bm.exception(posguard.ReconQRJournalOnly, posguard.ActionHold, o, nil, nil)
		f.Amount = ptr(int64(o.Amount))
		f.holdAmt = int64(o.Amount)
	}
	// Refunds posguard shows succeeded that day, no REFUND row.
	for _, x := range q.refundDay[b.src.Channel+"|"+b.src.MerchantID] {
		o := q.byID[x.OrderID]
		if seenRefund[x.RefundNo] {
			continue
		}
		if x.UpdatedAt.Before(day.Add(qrReturnSlack)) {
			continue // its row may be on the previous day's bill
		}
		f := bm.exception(posguard.ReconQRRefundMismatch, posguard.ActionCase, o, x, nil)
		f.Amount = ptr(int64(x.Amount))
	}
}

// hasPay reports whether one of the bill's rows at these indexes is a PAY.
func (bm *qrBillMatch) hasPay(idx []int32) bool {
	for _, i := range idx {
		if bm.b.rows[i].Type == wallet.BillPay {
			return true
		}
	}
	return false
}

// exception starts a QR exception of class about order o (nil: a number
// posguard never made) and refund x, with the bill rows it takes.
func (bm *qrBillMatch) exception(class, action string, o *posguard.QROrder, x *posguard.QRRefund, rows []qrRow) *finding {
	b := bm.b
	f := &finding{Exception: Exception{Class: class, Action: action, Source: SourceQR, Merchant: b.src.MerchantID,
		Channel: ptr(b.src.Channel), Bill: ptr(billLabel(b))}, merchant: b.src.MerchantID, qrOrder: o, qrRefund: x, qrRows: len(rows)}
	no := ""
	if len(rows) > 0 {
		f.Line = ptr(rows[0].line)
		no = rows[0].OutTradeNo
		var amt int64
		for _, r := range rows {
			amt += r.Amount
		}
		f.FileAmount = ptr(amt)
	}
	if o != nil {
		no = o.OutTradeNo
		f.Terminal = o.TerminalID
		f.OrderID = ptr("Q" + strconv.FormatInt(o.ID, 10))
		f.JournalState = ptr(string(o.State))
	}
	f.OutTradeNo = ptr(no)
	key := b.src.Channel + "|" + b.src.MchID + "|" + no
	if x != nil {
		f.OutRefundNo = ptr(x.RefundNo)
		f.JournalState = ptr("refund " + string(x.State))
		key += "|" + x.RefundNo
	} else if class == posguard.ReconQRRefundMismatch && len(rows) > 0 {
		f.OutRefundNo = ptr(rows[0].OutRefundNo)
		key += "|" + rows[0].OutRefundNo
	} else if class == posguard.ReconQRFeeMismatch && len(rows) > 0 {
		key += "|" + rows[0].Type + "|" + rows[0].OutRefundNo
		f.qrRows = 0 // the row itself is matched (or another exception's)
	}
	base := bm.date + "|" + class + "|" + key
	bm.m.occ[base]++
	if n := bm.m.occ[base]; n > 1 {
		base += "|" + itoa(n)
	}
	f.ident = base
	bm.m.found = append(bm.m.found, f)
	bm.sum.Exceptions++
	return f
}

// billLabel names a bill in exceptions: its file's name, or the name a
// fetched bill would have as a file.
func billLabel(b *qrBill) string {
	if b.name != "channel" {
		return b.name
	}
	return QRBillName("", b.src.Channel, b.src.MchID)
}

// order matches the rows of one order number.
func (bm *qrBillMatch) order(no string, rows []qrRow) {
	q, s := bm.q, bm.sum
	o := q.byNo[no]
	var pays, reverses, refunds []qrRow
	var pay, back int64
	for _, r := range rows {
		switch r.Type {
		case wallet.BillPay:
			pays = append(pays, r)
			pay += r.Amount
		case wallet.BillReverse:
			reverses = append(reverses, r)
			back += r.Amount
		case wallet.BillRefund:
			refunds = append(refunds, r)
			back += r.Amount
		}
	}
	if o == nil || o.ChannelName != bm.b.src.Channel || o.MerchantID != bm.b.src.MerchantID {
		// A number posguard never made (for this channel and merchant).
		if pay-back == 0 {
			s.Matched += len(rows)
			return
		}
		f := bm.exception(posguard.ReconQRChannelOnly, posguard.ActionInvestigate, nil, nil, rows)
		f.FileAmount = ptr(pay - back)
		return
	}
	if o.State != posguard.QRSucceeded {
		bm.notSucceeded(o, rows, pay, back)
		return
	}
	// Succeeded: one PAY of the order's amount; no REVERSE; refunds as
	// posguard made them.
	for i, r := range pays {
		switch {
		case i > 0:
			f := bm.exception(posguard.ReconQRChannelOnly, posguard.ActionInvestigate, o, nil, []qrRow{r})
			f.Amount = ptr(int64(0))
		case r.Amount != int64(o.Amount):
			f := bm.exception(posguard.ReconQRAmountMismatch, posguard.ActionHold, o, nil, []qrRow{r})
			f.Amount, f.holdAmt = ptr(int64(o.Amount)), int64(o.Amount)
		default:
			s.Matched++
		}
	}
	if len(reverses) > 0 {
		f := bm.exception(posguard.ReconQRStateMismatch, posguard.ActionHold, o, nil, reverses)
		f.Amount, f.holdAmt = ptr(int64(o.Amount)), int64(o.Amount)
	}
	for _, r := range refunds {
		bm.refund(o, r)
	}
}

// refund matches one REFUND row of a succeeded order.
func (bm *qrBillMatch) refund(o *posguard.QROrder, r qrRow) {
	x := bm.q.refundNo[r.OutRefundNo]
	if x == nil || x.OrderID != o.ID {
		// Money returned that posguard never asked for: the merchant
		// would be paid for it.
		f := bm.exception(posguard.ReconQRRefundMismatch, posguard.ActionHold, o, nil, []qrRow{r})
		f.holdAmt = r.Amount
		return
	}
	switch {
	case x.Amount != posguard.Amount(r.Amount):
		f := bm.exception(posguard.ReconQRRefundMismatch, posguard.ActionCase, o, x, []qrRow{r})
		f.Amount = ptr(int64(x.Amount))
	case x.State == posguard.QRRefundSucceeded:
		bm.sum.Matched++
	case x.State == posguard.QRRefundProcessing:
		f := bm.exception(posguard.ReconQRRefundMismatch, posguard.ActionAwaitRefund, o, x, []qrRow{r})
		f.Amount = ptr(int64(x.Amount))
	default: // failed: the channel returned money posguard shows not refunded
		f := bm.exception(posguard.ReconQRRefundMismatch, posguard.ActionHold, o, x, []qrRow{r})
		f.Amount, f.holdAmt = ptr(int64(x.Amount)), r.Amount
	}
}

// notSucceeded matches the rows of an order posguard shows paying, failed,
// closed or reversed: the channel must hold nothing for it. A PAY given
// back on the same bill (REVERSE, or posguard's internal refund) is
// matched; given back on a later bill, as posguard's journal shows
// (reversal done, internal refund succeeded), matched too.
func (bm *qrBillMatch) notSucceeded(o *posguard.QROrder, rows []qrRow, pay, back int64) {
	if pay-back <= 0 && pay > 0 || pay == 0 && back == 0 {
		bm.sum.Matched += len(rows)
		return
	}
	if pay == 0 {
		// Only money going back (the return of an earlier day's charge):
		// posguard's reversal or internal refund.
		bm.sum.Matched += len(rows)
		return
	}
	returned := o.State == posguard.QRReversed && o.ReversalState == posguard.QRReversalDone && o.Task == posguard.QRTaskNone
	for _, x := range bm.q.refunds[o.ID] {
		if x.Internal && x.State == posguard.QRRefundSucceeded && int64(x.Amount) >= pay-back {
			returned = true
		}
	}
	if returned {
		bm.sum.Matched += len(rows)
		bm.m.report.Notes = append(bm.m.report.Notes, Note{Class: "qr_returned_later", Merchant: o.MerchantID,
			Line: ptr(rows[0].line), Field: "out_trade_no", File: ptr(o.OutTradeNo), Journal: ptr(string(o.State))})
		return
	}
	action := posguard.ActionReturnCharge
	switch {
	case o.State == posguard.QRPaying:
		action = posguard.ActionMarkSucceeded
	case o.State == posguard.QRReversed && o.ReversalState == posguard.QRReversalPending:
		action = posguard.ActionAwaitReversal
	}
	f := bm.exception(posguard.ReconQRChannelOnly, action, o, nil, rows)
	f.FileAmount = ptr(pay - back)
	f.Amount = ptr(int64(0))
}

// checkFee compares a row's fee with the channel's rate, when one is
// configured (basis points of the row's amount, half up).
func (bm *qrBillMatch) checkFee(r qrRow) {
	bps, ok := bm.fees[bm.b.src.Channel]
	if !ok {
		return
	}
	want := (r.Amount*bps + 5000) / 10000
	if r.Fee == want {
		return
	}
	f := bm.exception(posguard.ReconQRFeeMismatch, posguard.ActionCase, bm.q.byNo[r.OutTradeNo], nil, []qrRow{r})
	f.FileAmount, f.Amount = ptr(r.Fee), ptr(want)
	if r.Type == wallet.BillRefund {
		f.OutRefundNo = ptr(r.OutRefundNo)
	}
}

// qrIdentBill returns the channel|mch_id of a QR exception's identity
// ("" for a card one).
func qrIdentBill(ident string) string {
	p := strings.Split(ident, "|")
	if len(p) < 5 || !strings.HasPrefix(p[1], "qr_") {
		return ""
	}
	return p[2] + "|" + p[3]
}

// SettingQRFeeBPS is the prefix of the settings that give a channel's fee
// rate: recon.qr_fee_bps.<channel name> = basis points of a row's amount
// (e.g. "38" for 0.38%).
const SettingQRFeeBPS = "recon.qr_fee_bps."

// QRStoreOf returns the QR reconciliation side of a store that has one
// (sqlite.Store and postgres.Store), nil otherwise.
func QRStoreOf(st any) posguard.ReconQRStore {
	if s, ok := st.(interface{ ReconQR() posguard.ReconQRStore }); ok {
		return s.ReconQR()
	}
	return nil
}

// WireQR sets the reconciler's QR side: the engine (bills and repairs), the
// store's QR reads, and the fee rates configured for the engine's
// channels.
func (r *Reconciler) WireQR(ctx context.Context, eng QRChannels, st any, settings posguard.SettingStore, channels []string) error {
	r.QR, r.QRStore = eng, QRStoreOf(st)
	r.QRFeeBPS = map[string]int64{}
	for _, name := range channels {
		v, err := settings.Setting(ctx, SettingQRFeeBPS+name)
		if posguard.ErrorCode(err) == posguard.ENOTFOUND {
			continue
		}
		if err != nil {
			return err
		}
		n, err := strconv.ParseInt(strings.TrimSpace(string(v)), 10, 64)
		if err != nil || n < 0 || n > 10000 {
			return posguard.Errorf(posguard.EINVALID, "setting %s%s: %q is not basis points from 0 to 10000", SettingQRFeeBPS, name, v)
		}
		r.QRFeeBPS[name] = n
	}
	return nil
}
