package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/posguard/posguard"
)

// testVersionedOrderInsert checks an order's insert made conditional on
// the cache version (posguard.VersionCheck in ctx), on each of its write
// paths (one pipelined statement; an order journaled failed; an order
// checked against daily limits in its own transaction): written and the
// check confirmed while the version holds; once another change moved the
// version on, nothing written, ESTALE, and the check stale — also for a
// number the merchant already has, which must not be answered either.
func testVersionedOrderInsert(t *testing.T, s posguard.Store, a posguard.AccessStore) {
	ctx := context.Background()
	q := sideOf[QRStorer](t, s).QR()
	version := versionOf(t, s)
	u := &posguard.User{Name: "shop", Role: posguard.RoleMerchant, MerchantID: "M1", PasswordHash: "$h"}
	must(t, a.CreateUser(ctx, u), "create user")
	disabled := false
	moveVersion := func() {
		t.Helper()
		disabled = !disabled
		must(t, a.SetUserDisabled(ctx, "shop", disabled), "move the version")
	}
	now := time.Now().UTC()
	day := now.Truncate(24 * time.Hour)
	paths := []struct {
		name  string
		state posguard.QRState
		limit posguard.QRDailyLimit
	}{
		{"paying", posguard.QRPaying, posguard.QRDailyLimit{}},
		{"failed", posguard.QRFailed, posguard.QRDailyLimit{}},
		{"limited", posguard.QRPaying, posguard.QRDailyLimit{From: day, To: day.Add(24 * time.Hour), Count: 100}},
	}
	for _, p := range paths {
		order := func(no string) *posguard.QROrder {
			o := &posguard.QROrder{MerchantID: "M1", OutOrderNo: no, RequestHash: "h-" + no, Mode: posguard.QRMicropay,
				Channel: "wechat", ChannelName: "wx", Amount: 100, State: p.state, AuthCode: "134567********6789", Subject: "shop"}
			if p.state == posguard.QRPaying {
				o.Deadline, o.Task, o.NextAttempt = now.Add(30*time.Second), posguard.QRTaskQuery, now.Add(time.Hour)
			} else {
				o.Reason = posguard.ReasonMerchantFrozen
			}
			return o
		}
		create := func(v int64, no string) (*posguard.VersionCheck, *posguard.QROrder, bool, error) {
			c := &posguard.VersionCheck{Version: v}
			got, created, err := q.CreateQROrderWithin(posguard.WithVersionCheck(ctx, c), order(no), "PGT", p.limit)
			return c, got, created, err
		}
		rows := func(no string) int {
			t.Helper()
			list, err := q.QROrders(ctx, posguard.QROrderFilter{MerchantID: "M1", OutOrderNo: no, Limit: 10})
			must(t, err, "list")
			return len(list)
		}

		// The version holds: written, confirmed.
		v := version()
		c, got, created, err := create(v, p.name+"-1")
		must(t, err, p.name+": create at the current version")
		if !created || got.ID == 0 || !c.Confirmed() || rows(p.name+"-1") != 1 {
			t.Fatalf("%s: created %v, %+v, confirmed %v", p.name, created, got, c.Confirmed())
		}
		// The same number again at the current version: the order there.
		c, got2, created, err := create(v, p.name+"-1")
		must(t, err, p.name+": repeat")
		if created || got2.ID != got.ID || !c.Confirmed() {
			t.Fatalf("%s: repeat created %v, id %d (want %d), confirmed %v", p.name, created, got2.ID, got.ID, c.Confirmed())
		}

		// Another change moved the version on: nothing written.
		moveVersion()
		c, got, created, err = create(v, p.name+"-2")
		wantCode(t, err, posguard.ESTALE, p.name+": create at a moved version")
		if got != nil || created || !c.Stale() || c.Confirmed() {
			t.Fatalf("%s: stale create gave %+v created %v stale %v", p.name, got, created, c.Stale())
		}
		if n := rows(p.name + "-2"); n != 0 {
			t.Fatalf("%s: a create at a moved version left %d rows", p.name, n)
		}
		// A number the merchant has is not answered at a moved version either.
		c, got, _, err = create(v, p.name+"-1")
		wantCode(t, err, posguard.ESTALE, p.name+": repeat at a moved version")
		if got != nil || !c.Stale() {
			t.Fatalf("%s: stale repeat gave %+v", p.name, got)
		}
		// At the version read again, the order goes in.
		c, _, created, err = create(version(), p.name+"-2")
		must(t, err, p.name+": create at the new version")
		if !created || !c.Confirmed() || rows(p.name+"-2") != 1 {
			t.Fatalf("%s: create at the new version: created %v confirmed %v", p.name, created, c.Confirmed())
		}
	}
	// Without a check (a version read after the request started) nothing
	// changes: the insert is not conditional.
	moveVersion()
	_, created, err := q.CreateQROrderWithin(posguard.WithCacheVersion(ctx, 0), func() *posguard.QROrder {
		return &posguard.QROrder{MerchantID: "M1", OutOrderNo: "plain", RequestHash: "h", Mode: posguard.QRMicropay, Amount: 1,
			State: posguard.QRPaying, Deadline: now.Add(time.Minute), Task: posguard.QRTaskQuery, NextAttempt: now.Add(time.Hour)}
	}(), "PGT", posguard.QRDailyLimit{})
	must(t, err, "create without a check")
	if !created {
		t.Fatal("create without a check: not created")
	}
}

// testVersionedRefundInsert checks a refund's insert made conditional on
// the cache version: written and confirmed while it holds; once it moved,
// nothing written and ESTALE, also for a refund number already used; a
// missing order is still ENOTFOUND while the version holds.
func testVersionedRefundInsert(t *testing.T, s posguard.Store, a posguard.AccessStore) {
	ctx := context.Background()
	q := sideOf[QRStorer](t, s).QR()
	version := versionOf(t, s)
	o := newPaying(t, q, "M1", "RV1", 1000, "")
	none := posguard.QRTaskNone
	_, err := q.UpdateQROrder(ctx, posguard.QROrderUpdate{ID: o.ID, From: posguard.QRPaying, State: posguard.QRSucceeded, Task: &none})
	must(t, err, "order succeeded")
	refund := func(v int64, orderID int64, no string) (*posguard.VersionCheck, *posguard.QRRefund, bool, error) {
		c := &posguard.VersionCheck{Version: v}
		got, created, err := q.CreateQRRefund(posguard.WithVersionCheck(ctx, c),
			&posguard.QRRefund{OrderID: orderID, OutRefundNo: no, Amount: 100, RequestHash: "h-" + no}, "PRT")
		return c, got, created, err
	}
	refunds := func() int {
		t.Helper()
		list, err := q.QRRefunds(ctx, o.ID)
		must(t, err, "refunds")
		return len(list)
	}
	v := version()
	c, got, created, err := refund(v, o.ID, "RF1")
	must(t, err, "refund at the current version")
	if !created || got.ID == 0 || !c.Confirmed() || refunds() != 1 {
		t.Fatalf("refund: created %v, %+v, confirmed %v", created, got, c.Confirmed())
	}
	c, _, _, err = refund(v, 999999, "RF9")
	wantCode(t, err, posguard.ENOTFOUND, "refund of a missing order at the current version")
	if c.Stale() {
		t.Fatal("a missing order marked the version stale")
	}

	u := &posguard.User{Name: "shop", Role: posguard.RoleMerchant, MerchantID: "M1", PasswordHash: "$h"}
	must(t, a.CreateUser(ctx, u), "create user")
	must(t, a.SetUserDisabled(ctx, "shop", true), "move the version")
	c, got, _, err = refund(v, o.ID, "RF2")
	wantCode(t, err, posguard.ESTALE, "refund at a moved version")
	if got != nil || !c.Stale() || refunds() != 1 {
		t.Fatalf("stale refund: %+v stale %v, %d refunds", got, c.Stale(), refunds())
	}
	c, got, _, err = refund(v, o.ID, "RF1")
	wantCode(t, err, posguard.ESTALE, "repeated refund at a moved version")
	if got != nil || !c.Stale() {
		t.Fatalf("stale repeat: %+v", got)
	}
	c, _, created, err = refund(version(), o.ID, "RF2")
	must(t, err, "refund at the new version")
	if !created || !c.Confirmed() || refunds() != 2 {
		t.Fatalf("refund at the new version: created %v confirmed %v", created, c.Confirmed())
	}
}
