package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/posguard/posguard"
)

// testQRQueue checks the order queue (DueQROrders, ResumeQRQueues,
// QRQueueSizes) after every kind of transition an order goes through,
// through each form of the update (one statement with From, the form
// without From that reads the order first, and with Known), and the
// search by channel number once the channel's transaction id is learnt or
// changed. Since migration 0128 PostgreSQL finds both through a table of
// their own beside qr_orders (qr_order_keys), SQLite through qr_orders'
// partial indexes; what they answer must be what the orders' own task,
// next_attempt and transaction_id say.
func testQRQueue(t *testing.T, q posguard.QRStore) {
	ctx := context.Background()
	t0 := time.Now().UTC().Truncate(time.Second)
	due := func(at time.Time, want ...int64) {
		t.Helper()
		got, err := q.DueQROrders(ctx, at, 100)
		must(t, err, "due")
		ids := make([]int64, len(got))
		for i, o := range got {
			ids[i] = o.ID
			if o.Task == posguard.QRTaskNone || o.NextAttempt.After(at) {
				t.Errorf("due at %v: order %d with task %q at %v", at, o.ID, o.Task, o.NextAttempt)
			}
		}
		if !slices.Equal(ids, want) && !(len(ids) == 0 && len(want) == 0) {
			t.Fatalf("due at +%v = %v, want %v", at.Sub(t0), ids, want)
		}
	}
	sizes := func(want map[string]int) {
		t.Helper()
		ss, ok := q.(posguard.QRSearchStore)
		if !ok {
			return
		}
		got, err := ss.QRQueueSizes(ctx)
		must(t, err, "queue sizes")
		for _, z := range got {
			if z.Queue == "refund" || z.Queue == "notify" {
				continue
			}
			if z.Count != want[z.Queue] {
				t.Fatalf("queue %s = %d orders, want %d (%+v)", z.Queue, z.Count, want[z.Queue], got)
			}
		}
		for k, n := range want {
			if n > 0 && !slices.ContainsFunc(got, func(z posguard.QRQueueSize) bool { return z.Queue == k }) {
				t.Fatalf("queue %s missing, want %d (%+v)", k, n, got)
			}
		}
	}
	create := func(no string, mode posguard.QRMode, task posguard.QRTask, next time.Time, limit posguard.QRDailyLimit) *posguard.QROrder {
		t.Helper()
		o, created, err := q.CreateQROrderWithin(ctx, &posguard.QROrder{MerchantID: "M1", OutOrderNo: no, RequestHash: "h-" + no,
			Mode: mode, Channel: "wechat", ChannelName: "wx", Amount: 100, State: posguard.QRPaying, Deadline: t0.Add(time.Minute),
			Task: task, NextAttempt: next, NotifyURL: "http://merchant/n"}, "PGQ", limit)
		must(t, err, "create "+no)
		if !created {
			t.Fatalf("order %s not created", no)
		}
		return o
	}
	update := func(what string, u posguard.QROrderUpdate) *posguard.QROrder {
		t.Helper()
		o, err := q.UpdateQROrder(ctx, u)
		must(t, err, what)
		return o
	}
	query, native, reverse, closeTask, none := posguard.QRTaskQuery, posguard.QRTaskNative, posguard.QRTaskReverse, posguard.QRTaskClose, posguard.QRTaskNone

	// New orders with a task are queued at their next attempt; one checked
	// against a daily limit too (its own insert), one failed at once not.
	a := create("A", posguard.QRMicropay, query, t0.Add(10*time.Second), posguard.QRDailyLimit{})
	b := create("B", posguard.QRNative, native, t0.Add(20*time.Second), posguard.QRDailyLimit{})
	c := create("C", posguard.QRMicropay, query, t0.Add(30*time.Second), posguard.QRDailyLimit{From: t0.Add(-time.Hour), To: t0.Add(time.Hour), Count: 100})
	f, _, err := q.CreateQROrder(ctx, &posguard.QROrder{MerchantID: "M1", OutOrderNo: "F", RequestHash: "h-F", Mode: posguard.QRMicropay,
		Amount: 100, State: posguard.QRFailed, Reason: posguard.ReasonQRCodeUnknown}, "PGQ")
	must(t, err, "create failed")
	due(t0)
	due(t0.Add(15*time.Second), a.ID)
	due(t0.Add(time.Hour), a.ID, b.ID, c.ID)
	sizes(map[string]int{"query": 2, "native": 1})

	// An attempt moves the order's place; a second one with Known too.
	why := "timeout"
	a = update("attempt a", posguard.QROrderUpdate{ID: a.ID, From: posguard.QRPaying, Attempted: true, NextAttempt: t0.Add(40 * time.Second), LastError: &why})
	due(t0.Add(35*time.Second), b.ID, c.ID)
	a = update("attempt a (known)", posguard.QROrderUpdate{ID: a.ID, From: posguard.QRPaying, Attempted: true,
		NextAttempt: t0.Add(50 * time.Second), LastError: &why, Known: a})
	due(t0.Add(45*time.Second), b.ID, c.ID)
	due(t0.Add(55*time.Second), b.ID, c.ID, a.ID)

	// The native order gets its code and becomes a query; then its close.
	update("native sent", posguard.QROrderUpdate{ID: b.ID, From: posguard.QRPaying, CheckTask: true, FromTask: native,
		CodeURL: "weixin://x", ExpiresAt: t0.Add(time.Hour), Task: &query, NextAttempt: t0.Add(time.Minute), LastError: ptr("")})
	due(t0.Add(55*time.Second), c.ID, a.ID)
	sizes(map[string]int{"query": 3})
	update("decide close", posguard.QROrderUpdate{ID: b.ID, From: posguard.QRPaying, Task: &closeTask, NextAttempt: t0.Add(5 * time.Second)})
	due(t0.Add(55*time.Second), b.ID, c.ID, a.ID)
	update("closed", posguard.QROrderUpdate{ID: b.ID, From: posguard.QRPaying, State: posguard.QRClosed, Task: &none, Notify: true})
	due(t0.Add(time.Hour), c.ID, a.ID)

	// a succeeds (the channel's number learnt): it leaves the queue.
	a = update("succeed a", posguard.QROrderUpdate{ID: a.ID, From: posguard.QRPaying, State: posguard.QRSucceeded, TransactionID: "4200000101",
		PaidAt: t0, Task: &none, LastError: ptr(""), Notify: true, Known: a})
	if a.Task != none || a.TransactionID != "4200000101" {
		t.Fatalf("succeeded = %+v", a)
	}
	due(t0.Add(time.Hour), c.ID)
	sizes(map[string]int{"query": 1})

	// c is not confirmed: reversed, its reversal queued, then done.
	update("decide reverse", posguard.QROrderUpdate{ID: c.ID, From: posguard.QRPaying, State: posguard.QRReversed,
		Reason: posguard.ReasonQRNotConfirmed, Task: &reverse, ReversalState: posguard.QRReversalPending, NextAttempt: t0, Notify: true})
	due(t0, c.ID)
	sizes(map[string]int{"reverse": 1})
	update("reversal failed once", posguard.QROrderUpdate{ID: c.ID, CheckTask: true, FromTask: reverse, Attempted: true, NextAttempt: t0.Add(time.Minute)})
	due(t0)
	due(t0.Add(time.Minute), c.ID)
	update("reversal done", posguard.QROrderUpdate{ID: c.ID, CheckTask: true, FromTask: reverse, Task: &none, ReversalState: posguard.QRReversalDone})
	due(t0.Add(time.Hour))
	sizes(map[string]int{})

	// The form that reads the order first (no From, a notification): a
	// task queued, moved, then cleared; the channel's number learnt.
	update("requeue f", posguard.QROrderUpdate{ID: f.ID, Task: &query, NextAttempt: t0.Add(time.Second), Notify: true})
	due(t0.Add(time.Second), f.ID)
	update("move f", posguard.QROrderUpdate{ID: f.ID, NextAttempt: t0.Add(2 * time.Second), TransactionID: "4200000102", Notify: true})
	due(t0.Add(time.Second))
	due(t0.Add(2*time.Second), f.ID)
	update("clear f", posguard.QROrderUpdate{ID: f.ID, Task: &none, Notify: true})
	due(t0.Add(time.Hour))

	// Changes that do not touch the task keep the queue as it is.
	d := create("D", posguard.QRMicropay, query, t0.Add(time.Hour), posguard.QRDailyLimit{})
	update("case opened", posguard.QROrderUpdate{ID: d.ID, CaseOpened: true})
	update("case opened (known)", posguard.QROrderUpdate{ID: d.ID, From: posguard.QRPaying, CaseOpened: true, Known: d})
	due(t0.Add(time.Hour), d.ID)
	_, err = q.UpdateQROrder(ctx, posguard.QROrderUpdate{ID: d.ID, From: posguard.QRSucceeded, Task: &none})
	wantCode(t, err, posguard.ECONFLICT, "refused update")
	due(t0.Add(time.Hour), d.ID)

	// A restart makes every queued task due at once, and only those.
	e := create("E", posguard.QRMicropay, query, t0.Add(-time.Minute), posguard.QRDailyLimit{})
	must(t, q.ResumeQRQueues(ctx, t0), "resume")
	due(t0, e.ID, d.ID)
	got, err := q.QROrder(ctx, d.ID)
	must(t, err, "read d")
	if !got.NextAttempt.Equal(t0) {
		t.Fatalf("d's next attempt after resume = %v, want %v", got.NextAttempt, t0)
	}
	sizes(map[string]int{"query": 2})

	// Search by channel number: the numbers learnt above; a changed
	// number is found by the new one only.
	ss, ok := q.(posguard.QRSearchStore)
	if !ok {
		return
	}
	search := func(no string, want ...int64) {
		t.Helper()
		got, err := ss.QROrdersByChannelNo(ctx, "", no, 10)
		must(t, err, "search "+no)
		ids := make([]int64, len(got))
		for i, o := range got {
			ids[i] = o.ID
		}
		if fmt.Sprint(ids) != fmt.Sprint(want) && !(len(ids) == 0 && len(want) == 0) {
			t.Fatalf("search %q = %v, want %v", no, ids, want)
		}
	}
	search("4200000101", a.ID)
	search("4200000102", f.ID)
	search(a.OutTradeNo, a.ID)
	update("number changed", posguard.QROrderUpdate{ID: f.ID, TransactionID: "4200000103"})
	search("4200000102")
	search("4200000103", f.ID)
	update("same number again", posguard.QROrderUpdate{ID: a.ID, From: posguard.QRSucceeded, TransactionID: "4200000101"})
	search("4200000101", a.ID)
}

func ptr[T any](v T) *T { return &v }
