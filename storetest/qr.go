package storetest

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/posguard/posguard"
)

// QRStorer is a store with a QR payments side.
type QRStorer interface {
	QR() posguard.QRStore
}

// RunQR runs the QR store's conformance suite against stores made by open,
// which must implement QRStorer.
func RunQR(t *testing.T, open Opener) {
	h := &harness{open: open}
	groups := []struct {
		name string
		run  func(t *testing.T, q posguard.QRStore)
	}{
		{"Config", testQRConfig},
		{"Orders", testQROrders},
		{"DailyUsage", testQRDailyUsage},
		{"Refunds", testQRRefunds},
		{"Notices", testQRNotices},
		{"RefundExchanges", testQRRefundExchanges},
		{"UpdateKnown", testQRUpdateKnown},
		{"UpdateShapes", testQRUpdateShapes},
		{"Queue", testQRQueue},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			s := h.store(t)
			qs, ok := s.(QRStorer)
			if !ok {
				t.Fatalf("%T has no QR()", s)
			}
			g.run(t, qs.QR())
		})
	}
}

func testQRConfig(t *testing.T, q posguard.QRStore) {
	ctx := context.Background()
	key := bytes.Repeat([]byte{0x42}, 32)
	must(t, q.PutWalletChannel(ctx, &posguard.WalletChannel{Name: "ali", Kind: "alipay", URL: "http://x/ali", AppID: "a1", Key: key, Position: 1}), "put ali")
	must(t, q.PutWalletChannel(ctx, &posguard.WalletChannel{Name: "wx", Kind: "wechat", URL: "http://x/wx", AppID: "w1", Key: key, Position: 0}), "put wx")
	must(t, q.PutWalletChannel(ctx, &posguard.WalletChannel{Name: "wx", Kind: "wechat", URL: "http://x/wx2", AppID: "w1", Key: key, Position: 0}), "replace wx")
	wantCode(t, q.PutWalletChannel(ctx, &posguard.WalletChannel{Name: "k"}), posguard.EINVALID, "channel without key")
	cs, err := q.WalletChannels(ctx)
	must(t, err, "channels")
	if len(cs) != 2 || cs[0].Name != "wx" || cs[0].URL != "http://x/wx2" || !bytes.Equal(cs[0].Key, key) || cs[1].Name != "ali" {
		t.Fatalf("channels = %+v", cs)
	}
	_, err = q.MerchantWallet(ctx, "M1")
	wantCode(t, err, posguard.ENOTFOUND, "no wallet")
	nk := bytes.Repeat([]byte{0xA0}, 32)
	must(t, q.PutMerchantWallet(ctx, &posguard.MerchantWallet{MerchantID: "M1", MchID: "1900000101", NotifyKey: nk}), "put wallet")
	w, err := q.MerchantWallet(ctx, "M1")
	must(t, err, "wallet")
	if w.MchID != "1900000101" || !bytes.Equal(w.NotifyKey, nk) {
		t.Fatalf("wallet = %+v", w)
	}
}

// newPaying journals a paying micropay order.
func newPaying(t *testing.T, q posguard.QRStore, mid, no string, amount posguard.Amount, notify string) *posguard.QROrder {
	t.Helper()
	now := time.Now().UTC()
	o, created, err := q.CreateQROrder(context.Background(), &posguard.QROrder{MerchantID: mid, OutOrderNo: no, RequestHash: "h-" + no,
		Mode: posguard.QRMicropay, Channel: "wechat", ChannelName: "wx", Amount: amount, State: posguard.QRPaying,
		AuthCode: "134567********6789", Subject: "shop", NotifyURL: notify, Deadline: now.Add(30 * time.Second),
		Task: posguard.QRTaskQuery, NextAttempt: now.Add(time.Hour)}, "PGT")
	must(t, err, "create order "+no)
	if !created {
		t.Fatalf("order %s not created", no)
	}
	return o
}

func testQROrders(t *testing.T, q posguard.QRStore) {
	ctx := context.Background()
	o := newPaying(t, q, "M1", "A1", 1234, "")
	if o.ID == 0 || o.OutTradeNo != fmt.Sprintf("PGT%012d", o.ID) || o.State != posguard.QRPaying || o.Task != posguard.QRTaskQuery {
		t.Fatalf("created = %+v", o)
	}
	// The same merchant number: the existing order, nothing written.
	again, created, err := q.CreateQROrder(ctx, &posguard.QROrder{MerchantID: "M1", OutOrderNo: "A1", RequestHash: "other",
		Mode: posguard.QRMicropay, Amount: 1, State: posguard.QRPaying}, "PGT")
	must(t, err, "repeat")
	if created || again.ID != o.ID || again.RequestHash != "h-A1" {
		t.Fatalf("repeat = %+v created %v", again, created)
	}
	// Another merchant may use the same number.
	other := newPaying(t, q, "M2", "A1", 500, "")
	got, err := q.QROrderByTradeNo(ctx, o.OutTradeNo)
	must(t, err, "by trade no")
	if got.ID != o.ID || got.Amount != 1234 || got.AuthCode != "134567********6789" {
		t.Fatalf("by trade no = %+v", got)
	}
	// The ids follow one another, and so do the stored trade numbers.
	if other.ID <= o.ID || other.OutTradeNo != fmt.Sprintf("PGT%012d", other.ID) {
		t.Fatalf("second order = %+v after %d", other, o.ID)
	}
	if got, err := q.QROrderByTradeNo(ctx, other.OutTradeNo); err != nil || got.ID != other.ID {
		t.Fatalf("second order by trade no = %+v, %v", got, err)
	}
	_, err = q.QROrder(ctx, 99999)
	wantCode(t, err, posguard.ENOTFOUND, "missing order")

	// Due: only tasks whose time has come.
	due, err := q.DueQROrders(ctx, time.Now(), 10)
	must(t, err, "due")
	if len(due) != 0 {
		t.Fatalf("due now = %d orders", len(due))
	}
	due, err = q.DueQROrders(ctx, time.Now().Add(2*time.Hour), 10)
	must(t, err, "due later")
	if len(due) != 2 {
		t.Fatalf("due later = %d orders", len(due))
	}
	// A host that starts makes every queued task due at once.
	must(t, q.ResumeQRQueues(ctx, time.Now()), "resume")
	due, err = q.DueQROrders(ctx, time.Now().Add(time.Second), 10)
	must(t, err, "due after resume")
	if len(due) != 2 {
		t.Fatalf("due after resume = %d orders", len(due))
	}

	// A failed attempt, then the decision to reverse, then the reversal done.
	msg := "timeout"
	_, err = q.UpdateQROrder(ctx, posguard.QROrderUpdate{ID: o.ID, From: posguard.QRPaying, Attempted: true, LastError: &msg, NextAttempt: time.Now().Add(time.Minute)})
	must(t, err, "attempted")
	rev := posguard.QRTaskReverse
	up, err := q.UpdateQROrder(ctx, posguard.QROrderUpdate{ID: o.ID, From: posguard.QRPaying, State: posguard.QRReversed,
		Reason: posguard.ReasonQRNotConfirmed, Task: &rev, ReversalState: posguard.QRReversalPending, NextAttempt: time.Now(), Notify: true})
	must(t, err, "decide reverse")
	if up.State != posguard.QRReversed || up.Task != posguard.QRTaskReverse || up.Attempts != 0 || up.ReversalState != "pending" || up.LastError != "timeout" {
		t.Fatalf("after decision = %+v", up)
	}
	_, err = q.UpdateQROrder(ctx, posguard.QROrderUpdate{ID: o.ID, From: posguard.QRPaying, State: posguard.QRSucceeded})
	wantCode(t, err, posguard.ECONFLICT, "succeed a reversed order")
	_, err = q.UpdateQROrder(ctx, posguard.QROrderUpdate{ID: o.ID, CheckTask: true, FromTask: posguard.QRTaskClose})
	wantCode(t, err, posguard.ECONFLICT, "wrong task")
	none := posguard.QRTaskNone
	up, err = q.UpdateQROrder(ctx, posguard.QROrderUpdate{ID: o.ID, CheckTask: true, FromTask: posguard.QRTaskReverse, Task: &none,
		Attempted: true, ReversalState: posguard.QRReversalDone})
	must(t, err, "reversal done")
	if up.Task != "" || up.Attempts != 1 || up.ReversalState != "done" {
		t.Fatalf("after reversal = %+v", up)
	}
	_, err = q.UpdateQROrder(ctx, posguard.QROrderUpdate{ID: 424242})
	wantCode(t, err, posguard.ENOTFOUND, "update missing")

	// Paid details survive a read.
	paid := time.Date(2026, 3, 1, 2, 16, 5, 0, time.UTC)
	up, err = q.UpdateQROrder(ctx, posguard.QROrderUpdate{ID: other.ID, From: posguard.QRPaying, State: posguard.QRSucceeded,
		TransactionID: "T1", PaidAt: paid, Task: &none})
	must(t, err, "succeed")
	got, err = q.QROrder(ctx, other.ID)
	must(t, err, "read")
	if got.State != posguard.QRSucceeded || got.TransactionID != "T1" || !got.PaidAt.Equal(paid) || got.Task != "" {
		t.Fatalf("read = %+v", got)
	}

	// Lists: newest first, by merchant, number and state, with a cursor.
	list, err := q.QROrders(ctx, posguard.QROrderFilter{})
	must(t, err, "list")
	if len(list) != 2 || list[0].ID != other.ID {
		t.Fatalf("list = %d", len(list))
	}
	list, err = q.QROrders(ctx, posguard.QROrderFilter{MerchantID: "M1", State: posguard.QRReversed, OutOrderNo: "A1"})
	must(t, err, "filtered")
	if len(list) != 1 || list[0].ID != o.ID {
		t.Fatalf("filtered = %+v", list)
	}
	list, err = q.QROrders(ctx, posguard.QROrderFilter{Before: other.ID})
	must(t, err, "cursor")
	if len(list) != 1 || list[0].ID != o.ID {
		t.Fatalf("cursor = %+v", list)
	}
	list, err = q.QROrders(ctx, posguard.QROrderFilter{From: time.Now().Add(time.Hour)})
	must(t, err, "from")
	if len(list) != 0 {
		t.Fatalf("from the future = %d", len(list))
	}

	// An order failed at once gets no out_trade_no.
	f, created, err := q.CreateQROrder(ctx, &posguard.QROrder{MerchantID: "M1", OutOrderNo: "F1", RequestHash: "x", Mode: posguard.QRMicropay,
		Amount: 5, State: posguard.QRFailed, Reason: posguard.ReasonQRCodeUnknown}, "PGT")
	must(t, err, "failed order")
	if !created || f.OutTradeNo != "" || f.Reason != posguard.ReasonQRCodeUnknown {
		t.Fatalf("failed order = %+v", f)
	}
}

func testQRRefunds(t *testing.T, q posguard.QRStore) {
	ctx := context.Background()
	o := newPaying(t, q, "M1", "A1", 1000, "http://m/notify")
	r := &posguard.QRRefund{OrderID: o.ID, OutRefundNo: "RF-1", Amount: 300, RequestHash: "r1"}
	_, _, err := q.CreateQRRefund(ctx, r, "PRT")
	wantCode(t, err, posguard.ECONFLICT, "refund a paying order")
	none := posguard.QRTaskNone
	_, err = q.UpdateQROrder(ctx, posguard.QROrderUpdate{ID: o.ID, From: posguard.QRPaying, State: posguard.QRSucceeded, Task: &none, Notify: true})
	must(t, err, "succeed")
	r1, created, err := q.CreateQRRefund(ctx, r, "PRT")
	must(t, err, "refund 1")
	if !created || r1.State != posguard.QRRefundProcessing || r1.Task != posguard.QRRefundTaskSend || !strings.HasPrefix(r1.RefundNo, "PRT") || r1.MerchantID != "M1" {
		t.Fatalf("refund 1 = %+v", r1)
	}
	same, created, err := q.CreateQRRefund(ctx, &posguard.QRRefund{OrderID: o.ID, OutRefundNo: "RF-1", Amount: 999, RequestHash: "zz"}, "PRT")
	must(t, err, "repeat refund")
	if created || same.ID != r1.ID {
		t.Fatalf("repeat = %+v", same)
	}
	// 300 processing is reserved: 701 is above the refundable 700.
	_, _, err = q.CreateQRRefund(ctx, &posguard.QRRefund{OrderID: o.ID, OutRefundNo: "RF-2", Amount: 701, RequestHash: "r2"}, "PRT")
	wantCode(t, err, posguard.ECONFLICT, "above refundable")
	if err != nil && !strings.Contains(posguard.ErrorMessage(err), "amount:") {
		t.Fatalf("message %q does not start with amount:", posguard.ErrorMessage(err))
	}
	r2, _, err := q.CreateQRRefund(ctx, &posguard.QRRefund{OrderID: o.ID, OutRefundNo: "RF-2", Amount: 700, RequestHash: "r2"}, "PRT")
	must(t, err, "refund 2")
	due, err := q.DueQRRefunds(ctx, time.Now().Add(time.Second), 10)
	must(t, err, "due refunds")
	if len(due) != 2 {
		t.Fatalf("due refunds = %d", len(due))
	}
	// r1 succeeds: the order's refunded amount follows; r2 fails: its
	// reservation is released.
	_, err = q.UpdateQRRefund(ctx, posguard.QRRefundUpdate{ID: r1.ID, From: posguard.QRRefundProcessing, State: posguard.QRRefundSucceeded,
		RefundID: "R9", Task: &none, Attempted: true, Notify: true})
	must(t, err, "refund 1 done")
	_, err = q.UpdateQRRefund(ctx, posguard.QRRefundUpdate{ID: r1.ID, From: posguard.QRRefundProcessing, State: posguard.QRRefundFailed})
	wantCode(t, err, posguard.ECONFLICT, "refund 1 again")
	_, err = q.UpdateQRRefund(ctx, posguard.QRRefundUpdate{ID: r2.ID, From: posguard.QRRefundProcessing, State: posguard.QRRefundFailed,
		FailReason: posguard.ReasonQRRefundExceeds, Task: &none, Notify: true})
	must(t, err, "refund 2 failed")
	got, err := q.QROrder(ctx, o.ID)
	must(t, err, "order")
	if got.RefundedAmount != 300 {
		t.Fatalf("refunded_amount = %d", got.RefundedAmount)
	}
	list, err := q.QRRefunds(ctx, o.ID)
	must(t, err, "refunds")
	if len(list) != 2 || list[0].RefundID != "R9" || list[1].FailReason != posguard.ReasonQRRefundExceeds || list[1].Task != "" {
		t.Fatalf("refunds = %+v %+v", list[0], list[1])
	}
	_, _, err = q.CreateQRRefund(ctx, &posguard.QRRefund{OrderID: o.ID, OutRefundNo: "RF-3", Amount: 700, RequestHash: "r3"}, "PRT")
	must(t, err, "refund the rest")
	_, err = q.QRRefund(ctx, 99999)
	wantCode(t, err, posguard.ENOTFOUND, "missing refund")
	// The ledger's side: the succeeded order and refund, until marked.
	uo, ur, err := q.UnpostedQR(ctx, 10)
	must(t, err, "unposted")
	if len(uo) != 1 || uo[0].ID != o.ID || len(ur) != 1 || ur[0].ID != r1.ID {
		t.Fatalf("unposted = %d orders, %d refunds", len(uo), len(ur))
	}
	must(t, q.MarkQRPosted(ctx, []int64{o.ID}, []int64{r1.ID}), "mark posted")
	uo, ur, err = q.UnpostedQR(ctx, 10)
	must(t, err, "unposted after")
	if len(uo)+len(ur) != 0 {
		t.Fatalf("unposted after marking = %d orders, %d refunds", len(uo), len(ur))
	}
	// Notifications: the order's success and both refund outcomes.
	ns, err := q.QRNotices(ctx, o.ID)
	must(t, err, "notices")
	if len(ns) != 3 || ns[0].Event != "order" || ns[1].Event != "refund" || ns[1].RefundID != r1.ID || ns[2].RefundID != r2.ID {
		t.Fatalf("notices = %+v", ns)
	}
}

func testQRNotices(t *testing.T, q posguard.QRStore) {
	ctx := context.Background()
	o := newPaying(t, q, "M1", "A1", 1000, "http://m/notify")
	quiet := newPaying(t, q, "M1", "A2", 1000, "")
	none := posguard.QRTaskNone
	for _, id := range []int64{o.ID, quiet.ID} {
		_, err := q.UpdateQROrder(ctx, posguard.QROrderUpdate{ID: id, From: posguard.QRPaying, State: posguard.QRFailed, Reason: posguard.ReasonQRRefused, Task: &none, Notify: true})
		must(t, err, "fail")
	}
	due, err := q.DueQRNotices(ctx, time.Now().Add(time.Second), 10)
	must(t, err, "due")
	if len(due) != 1 || due[0].OrderID != o.ID || due[0].URL != "http://m/notify" || due[0].State != posguard.QRNoticePending {
		t.Fatalf("due = %+v", due)
	}
	n := due[0]
	must(t, q.QRNoticeAttempted(ctx, n.ID, false, time.Now().Add(time.Hour), "HTTP 500", false, true), "failed attempt")
	due, err = q.DueQRNotices(ctx, time.Now().Add(time.Second), 10)
	must(t, err, "due after")
	if len(due) != 0 {
		t.Fatalf("due after a failure = %d", len(due))
	}
	must(t, q.QRNoticeAttempted(ctx, n.ID, true, time.Time{}, "", false, false), "delivered")
	ns, err := q.QRNotices(ctx, o.ID)
	must(t, err, "notices")
	if len(ns) != 1 || ns[0].State != posguard.QRNoticeDelivered || ns[0].Attempts != 2 || ns[0].DeliveredAt.IsZero() || !ns[0].CaseOpened {
		t.Fatalf("notice = %+v", ns[0])
	}
	wantCode(t, q.QRNoticeAttempted(ctx, n.ID, true, time.Time{}, "", false, false), posguard.ENOTFOUND, "delivered twice")
}

// testQRDailyUsage: succeeded and paying orders of the merchant in the
// window count; failed ones, other merchants and other windows do not.
func testQRDailyUsage(t *testing.T, q posguard.QRStore) {
	ctx := context.Background()
	from, to := time.Now().Add(-time.Hour), time.Now().Add(time.Hour)
	a, n, err := q.QRDailyUsage(ctx, "U1", from, to)
	must(t, err, "empty usage")
	if a != 0 || n != 0 {
		t.Fatalf("empty usage = %d, %d", a, n)
	}
	ok := newPaying(t, q, "U1", "B1", 1000, "")
	_, err = q.UpdateQROrder(ctx, posguard.QROrderUpdate{ID: ok.ID, From: posguard.QRPaying, State: posguard.QRSucceeded})
	must(t, err, "succeed")
	newPaying(t, q, "U1", "B2", 300, "")
	bad := newPaying(t, q, "U1", "B3", 7000, "")
	_, err = q.UpdateQROrder(ctx, posguard.QROrderUpdate{ID: bad.ID, From: posguard.QRPaying, State: posguard.QRFailed, Reason: "qr.refused"})
	must(t, err, "fail")
	newPaying(t, q, "U2", "B1", 5000, "")
	a, n, err = q.QRDailyUsage(ctx, "U1", from, to)
	must(t, err, "usage")
	if a != 1300 || n != 2 {
		t.Fatalf("usage = %d, %d; want 1300, 2", a, n)
	}
	a, n, err = q.QRDailyUsage(ctx, "U1", to, to.Add(24*time.Hour))
	must(t, err, "usage tomorrow")
	if a != 0 || n != 0 {
		t.Fatalf("usage of another day = %d, %d", a, n)
	}
}
