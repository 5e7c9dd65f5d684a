package recon

import (
	"bytes"
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
		b, err := readGivenQRBill(name, in.Date, src, f)
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
			b, err := readGivenQRBill(name, in.Date, src, QRBill{Data: data})
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

// readGivenQRBill reads a bill given to a run: from f.Open as a stream
// when set, otherwise from f.Data.
func readGivenQRBill(name, date string, src posguard.QRBillSource, f QRBill) (*qrBill, error) {
	if f.Open == nil {
		if len(f.Data) > MaxQRBill {
			return nil, badQRBill(name, 1, "", "bill over %d bytes", MaxQRBill)
		}
		return readQRBill(name, date, src, bytes.NewReader(f.Data), MaxQRBill)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, posguard.WrapError(posguard.EINVALID, err, "%s", name)
	}
	defer rc.Close()
	return readQRBill(name, date, src, rc, MaxQRBillFile)
}

// qrOrd is what matching needs of one QR order, kept for every order of
// the run (a bill of millions of rows names millions of orders); the full
// order is built only while its rows are matched.
type qrOrd struct {
	id, amount int64
	no         string // out_trade_no (the bill's copy when a bill names it)
	mc, term   uint32 // channel|merchant and terminal, in qrSide.strs
	state, rev uint8  // in qrSide.strs8
	task       uint8
	paid       bool // succeeded, paid on the run's date
}

// qrRef is what matching needs of one refund.
type qrRef struct {
	id, orderID, amount int64
	updated             int64 // UnixNano
	no                  string
	state               uint8
	internal            bool
}

// qrSide is what matching the bills of a date needs of the QR journal.
type qrSide struct {
	ords     []qrOrd            // by id
	paid     map[uint32][]int32 // channel|merchant → succeeded orders paid on the date
	refs     []qrRef            // every refund of those orders, by order id then id
	refundNo map[string]int32   // posguard's out_refund_no at the channel → index in refs
	day      []qrRef            // refunds succeeded on the date
	dayBy    map[uint32][]int32 // channel|merchant of the order → index in day

	strs  []string // interned channel|merchant pairs, merchant ids, terminals
	strIx map[string]uint32
	strs8 []string // interned states and tasks
	str8  map[string]uint8
	// scratch order and refund handed to the matcher (an exception
	// copies them).
	o posguard.QROrder
	x posguard.QRRefund
}

func (q *qrSide) intern(s string) uint32 {
	i, ok := q.strIx[s]
	if !ok {
		i = uint32(len(q.strs))
		q.strs = append(q.strs, s)
		q.strIx[s] = i
	}
	return i
}

func (q *qrSide) intern8(s string) uint8 {
	i, ok := q.str8[s]
	if !ok {
		if len(q.strs8) == 255 {
			return q.intern8("?")
		}
		i = uint8(len(q.strs8))
		q.strs8 = append(q.strs8, s)
		q.str8[s] = i
	}
	return i
}

// mcKey is the key of a channel and merchant.
func (q *qrSide) mcKey(channel, merchant string) uint32 { return q.intern(channel + "|" + merchant) }

func (q *qrSide) compactOrder(o *posguard.QROrder, no string) qrOrd {
	if no == "" {
		no = o.OutTradeNo
	}
	q.intern(o.ChannelName)
	q.intern(o.MerchantID)
	return qrOrd{id: o.ID, amount: int64(o.Amount), no: no, mc: q.mcKey(o.ChannelName, o.MerchantID), term: q.intern(o.TerminalID),
		state: q.intern8(string(o.State)), rev: q.intern8(o.ReversalState), task: q.intern8(string(o.Task))}
}

func (q *qrSide) compactRefund(x *posguard.QRRefund) qrRef {
	return qrRef{id: x.ID, orderID: x.OrderID, amount: int64(x.Amount), updated: x.UpdatedAt.UnixNano(), no: x.RefundNo,
		state: q.intern8(string(x.State)), internal: x.Internal}
}

// ordIndex returns the index of order id, -1 if not loaded.
func (q *qrSide) ordIndex(id int64) int32 {
	i := sort.Search(len(q.ords), func(i int) bool { return q.ords[i].id >= id })
	if i < len(q.ords) && q.ords[i].id == id {
		return int32(i)
	}
	return -1
}

// order returns order i in full (the fields matching reads), in the
// side's scratch order: valid until the next call.
func (q *qrSide) order(i int32) *posguard.QROrder {
	if i < 0 {
		return nil
	}
	c := &q.ords[i]
	ch, mer, _ := strings.Cut(q.strs[c.mc], "|")
	q.o = posguard.QROrder{ID: c.id, Amount: posguard.Amount(c.amount), OutTradeNo: c.no, ChannelName: ch, MerchantID: mer,
		TerminalID: q.strs[c.term], State: posguard.QRState(q.strs8[c.state]), ReversalState: q.strs8[c.rev], Task: posguard.QRTask(q.strs8[c.task])}
	return &q.o
}

// refund returns a refund in full (the fields matching reads), in the
// side's scratch refund: valid until the next call.
func (q *qrSide) refund(c *qrRef) *posguard.QRRefund {
	q.x = posguard.QRRefund{ID: c.id, OrderID: c.orderID, Amount: posguard.Amount(c.amount), RefundNo: c.no,
		State: posguard.QRRefundState(q.strs8[c.state]), Internal: c.internal, UpdatedAt: time.Unix(0, c.updated).UTC()}
	return &q.x
}

// refundsOf returns the refunds of order id.
func (q *qrSide) refundsOf(id int64) []qrRef {
	i := sort.Search(len(q.refs), func(i int) bool { return q.refs[i].orderID >= id })
	j := i
	for j < len(q.refs) && q.refs[j].orderID == id {
		j++
	}
	return q.refs[i:j]
}

// qrChunk is how many numbers or ids one store read asks for.
const qrChunk = 5000

// loadQR reads the orders the bills name, the orders paid on the date, and
// their refunds, compactly; it sets each bill's groups' orders.
func (r *Reconciler) loadQR(ctx context.Context, date string, bills []*qrBill) (*qrSide, error) {
	if r.QRStore == nil {
		return nil, posguard.Errorf(posguard.EINTERNAL, "reconciliation of QR bills needs the QR store")
	}
	day, _ := time.ParseInLocation("2006-01-02", date, cst)
	end := day.AddDate(0, 0, 1)
	q := &qrSide{paid: map[uint32][]int32{}, refundNo: map[string]int32{}, dayBy: map[uint32][]int32{},
		strIx: map[string]uint32{}, str8: map[string]uint8{}}
	q.intern8("")
	// A bill's copy of a number, so an order keeps no string of its own.
	billNo := func(no string) (string, bool) {
		for _, b := range bills {
			if g, ok := b.find(no); ok {
				return b.no(g), true
			}
		}
		return no, false
	}
	named := make([][]bool, len(bills)) // groups whose order is loaded, per bill
	for i, b := range bills {
		named[i] = make([]bool, len(b.groups))
	}
	mark := func(no string) {
		for i, b := range bills {
			if g, ok := b.find(no); ok {
				named[i][g] = true
			}
		}
	}
	if err := r.QRStore.PaidQROrders(ctx, day, end, func(o *posguard.QROrder) error {
		no, _ := billNo(o.OutTradeNo)
		c := q.compactOrder(o, no)
		c.paid = true
		q.ords = append(q.ords, c)
		mark(o.OutTradeNo)
		return nil
	}); err != nil {
		return nil, err
	}
	// The numbers the bills name that no paid order has.
	var nos []string
	for i, b := range bills {
		for g := range b.groups {
			if !named[i][g] {
				nos = append(nos, b.no(int32(g)))
			}
		}
	}
	named = nil
	sort.Strings(nos)
	nos = compactStrings(nos)
	for len(nos) > 0 {
		n := min(len(nos), qrChunk)
		got, err := r.QRStore.QROrdersByTradeNo(ctx, nos[:n])
		if err != nil {
			return nil, err
		}
		for _, o := range got {
			no, _ := billNo(o.OutTradeNo)
			q.ords = append(q.ords, q.compactOrder(o, no))
		}
		nos = nos[n:]
	}
	sortOrds(q.ords)
	// Refunds of the date, and the orders of those no bill names nor paid
	// that day.
	if err := r.QRStore.SucceededQRRefunds(ctx, day, end, func(x *posguard.QRRefund) error {
		q.day = append(q.day, q.compactRefund(x))
		return nil
	}); err != nil {
		return nil, err
	}
	have := len(q.ords)
	fetched := map[int64]bool{}
	for _, x := range q.day {
		if q.ordIndex(x.orderID) >= 0 || fetched[x.orderID] {
			continue
		}
		fetched[x.orderID] = true
		o, err := r.QRStore.QROrder(ctx, x.orderID)
		if err != nil {
			return nil, err
		}
		q.ords = append(q.ords, q.compactOrder(o, ""))
	}
	if len(q.ords) > have {
		sortOrds(q.ords)
	}
	for i, x := range q.day {
		k := q.ords[q.ordIndex(x.orderID)].mc
		q.dayBy[k] = append(q.dayBy[k], int32(i))
	}
	for i, o := range q.ords {
		if o.paid {
			q.paid[o.mc] = append(q.paid[o.mc], int32(i))
		}
	}
	// Every refund of every order loaded.
	ids := make([]int64, 0, qrChunk)
	for i := 0; i < len(q.ords); {
		ids = ids[:0]
		for ; i < len(q.ords) && len(ids) < qrChunk; i++ {
			ids = append(ids, q.ords[i].id)
		}
		got, err := r.QRStore.QRRefundsOf(ctx, ids)
		if err != nil {
			return nil, err
		}
		for _, x := range got {
			q.refs = append(q.refs, q.compactRefund(x))
		}
	}
	sort.Slice(q.refs, func(i, j int) bool {
		if q.refs[i].orderID != q.refs[j].orderID {
			return q.refs[i].orderID < q.refs[j].orderID
		}
		return q.refs[i].id < q.refs[j].id
	})
	for i, x := range q.refs {
		if x.no != "" {
			q.refundNo[x.no] = int32(i)
		}
	}
	// Each bill's groups → their orders.
	for _, b := range bills {
		b.groupOrd = make([]int32, len(b.groups))
		for g := range b.groupOrd {
			b.groupOrd[g] = -1
		}
	}
	for i, o := range q.ords {
		for _, b := range bills {
			if g, ok := b.find(o.no); ok {
				b.groupOrd[g] = int32(i)
			}
		}
	}
	return q, nil
}

func sortOrds(o []qrOrd) { sort.Slice(o, func(i, j int) bool { return o[i].id < o[j].id }) }

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
	seenRefund := map[string]bool{}
	for i := range b.rows {
		row := b.row(int32(i))
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
		bm.checkFee(row, b.groupOrd[b.rows[i].group])
	}
	var rows []qrRow
	for g := range b.groups {
		rows = b.groupRows(rows[:0], int32(g))
		bm.order(b.groupOrd[g], rows)
	}
	// Succeeded that day at this channel for this merchant, no PAY row.
	mc, known := q.strIx[b.src.Channel+"|"+b.src.MerchantID]
	if known {
		for _, i := range q.paid[mc] {
			if g, ok := b.find(q.ords[i].no); ok && bm.hasPay(g) {
				continue
			}
			o := q.order(i)
			f := bm.exception(posguard.ReconQRJournalOnly, posguard.ActionHold, o, nil, nil)
			f.Amount = ptr(int64(o.Amount))
			f.holdAmt = int64(o.Amount)
		}
		// Refunds posguard shows succeeded that day, no REFUND row.
		for _, i := range q.dayBy[mc] {
			x := &q.day[i]
			if seenRefund[x.no] {
				continue
			}
			if time.Unix(0, x.updated).Before(day.Add(qrReturnSlack)) {
				continue // its row may be on the previous day's bill
			}
			o := q.order(q.ordIndex(x.orderID))
			f := bm.exception(posguard.ReconQRRefundMismatch, posguard.ActionCase, o, q.refund(x), nil)
			f.Amount = ptr(x.amount)
		}
	}
}

// hasPay reports whether one of the rows of the bill's group g is a PAY.
func (bm *qrBillMatch) hasPay(g int32) bool {
	for i := bm.b.groups[g].first; i >= 0; i = bm.b.rows[i].next {
		if bm.b.rows[i].kind == billPay {
			return true
		}
	}
	return false
}

// exception starts a QR exception of class about order o (nil: a number
// posguard never made) and refund x, with the bill rows it takes.
func (bm *qrBillMatch) exception(class, action string, o *posguard.QROrder, x *posguard.QRRefund, rows []qrRow) *finding {
	b := bm.b
	// o and x may be the side's scratch values: the finding keeps copies.
	if o != nil {
		c := *o
		o = &c
	}
	if x != nil {
		c := *x
		x = &c
	}
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

// order matches the rows of one order number, of order oi (-1: none).
func (bm *qrBillMatch) order(oi int32, rows []qrRow) {
	s := bm.sum
	o := bm.q.order(oi)
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
	var x *posguard.QRRefund
	if i, ok := bm.q.refundNo[r.OutRefundNo]; ok {
		x = bm.q.refund(&bm.q.refs[i])
	}
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
	for _, x := range bm.q.refundsOf(o.ID) {
		if x.internal && posguard.QRRefundState(bm.q.strs8[x.state]) == posguard.QRRefundSucceeded && x.amount >= pay-back {
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
func (bm *qrBillMatch) checkFee(r qrRow, oi int32) {
	bps, ok := bm.fees[bm.b.src.Channel]
	if !ok {
		return
	}
	want := (r.Amount*bps + 5000) / 10000
	if r.Fee == want {
		return
	}
	f := bm.exception(posguard.ReconQRFeeMismatch, posguard.ActionCase, bm.q.order(oi), nil, []qrRow{r})
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
