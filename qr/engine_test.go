package qr_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/qr"
	"github.com/posguard/posguard/sqlite"
	"github.com/posguard/posguard/wallet"
)

// cases records the cases the engine opens.
type cases struct {
	mu     sync.Mutex
	titles []string
}

func (c *cases) OpenQRCase(_ context.Context, o *posguard.QROrder, reason, title string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.titles = append(c.titles, fmt.Sprintf("Q%d %s %s", o.ID, reason, title))
	return nil
}

func (c *cases) count() int { c.mu.Lock(); defer c.mu.Unlock(); return len(c.titles) }

// rig is an engine over a real SQLite store and simwallet over HTTP. M1's
// sub-merchant id is known to the channel, M2's is not.
func rig(t *testing.T) (*qr.Engine, *sqlite.Store, *cases, wallet.Key) {
	t.Helper()
	ctx := context.Background()
	_, url := startSim(t, `
wallet_channels:
  - { name: "wx", kind: wechat, url: "http://127.0.0.1:1/wx", app_id: "wxtest", key: "`+benchKey+`" }
merchants:
  - { id: "M1", wallet: { mch_id: "1900000101" } }
payers:
  - { code: "13", channel: "wx", balance: 1000000, behavior: ok }
`)
	st := openSQLite(t, "q.db")
	key, _ := wallet.ParseKey(benchKey)
	for _, m := range []struct{ id, mch string }{{"M1", "1900000101"}, {"M2", "1900000999"}} {
		putShop(ctx, t, st, &posguard.Merchant{ID: m.id, Name: "shop " + m.id, MCC: "5411", Status: posguard.MerchantActive}, m.mch)
	}
	putWX(ctx, t, st, url, "wxtest")
	cs := &cases{}
	e := &qr.Engine{Store: st.QR(), Merchants: st, Settings: st, Cases: cs, Wait: 2 * time.Second, PublicURL: "http://127.0.0.1:9"}
	if err := e.Start(ctx); err != nil {
		t.Fatal(err)
	}
	return e, st, cs, key
}

// notification returns a signed payment notification of o.
func notification(key wallet.Key, o *posguard.QROrder, mch string, amount int64) ([]byte, string) {
	body := []byte(fmt.Sprintf(`{"app_id":"wxtest","mch_id":%q,"nonce":"N%015d","timestamp":%d,"out_trade_no":%q,"transaction_id":"T9","trade_type":"NATIVE","trade_state":"SUCCESS","amount":%d,"paid_at":"2026-03-01T10:16:05+08:00"}`,
		mch, time.Now().UnixNano()%1e15, time.Now().Unix(), o.OutTradeNo, amount))
	return body, wallet.Sign(key, body)
}

// TestChannelRejected: a return_code FAIL (the channel does not know the
// sub-merchant) fails the order at once with qr.channel_rejected, charges
// nothing and opens a case.
func TestChannelRejected(t *testing.T) {
	e, _, cs, _ := rig(t)
	o, created, err := e.Create(context.Background(), qr.OrderInput{MerchantID: "M2", OutOrderNo: "X1", Amount: 100, Mode: posguard.QRMicropay,
		AuthCode: "130000000000000001", Hash: "h"})
	if err != nil || !created {
		t.Fatal(created, err)
	}
	if o.State != posguard.QRFailed || o.Reason != posguard.ReasonQRChannelRejected || cs.count() != 1 {
		t.Fatalf("order %+v, %d cases", o, cs.count())
	}
}

// TestNotifications: a payment notification pays a paying native order
// once (a repeat is a no-op), one with another amount is refused and opens
// a case, a bad signature is refused, and one for an order posguard shows
// failed is acknowledged, opens a case and refunds the payer in full.
func TestNotifications(t *testing.T) {
	e, st, cs, key := rig(t)
	ctx := context.Background()
	o, _, err := e.Create(ctx, qr.OrderInput{MerchantID: "M1", OutOrderNo: "N1", Amount: 800, Mode: posguard.QRNative, ExpireSeconds: 300, Hash: "h"})
	if err != nil || o.CodeURL == "" {
		t.Fatalf("native: %+v %v", o, err)
	}
	body, sig := notification(key, o, "1900000101", 799)
	if st, _ := e.ChannelNotification(ctx, "wx", body, sig); st != 400 || cs.count() != 1 {
		t.Fatalf("another amount: %d, %d cases", st, cs.count())
	}
	body, _ = notification(key, o, "1900000101", 800)
	if st, _ := e.ChannelNotification(ctx, "wx", body, "00"+sig[2:]); st != 401 {
		t.Fatalf("bad signature: %d", st)
	}
	body, sig = notification(key, o, "1900000101", 800)
	for i := range 2 {
		if st, msg := e.ChannelNotification(ctx, "wx", body, sig); st != 200 {
			t.Fatalf("notification %d: %d %s", i, st, msg)
		}
	}
	got, _ := st.QROrder(ctx, o.ID)
	if got.State != posguard.QRSucceeded || got.TransactionID != "T9" {
		t.Fatalf("after the notification: %+v", got)
	}
	// An order shown failed, then notified paid (a channel that broke the
	// rules): acknowledged, a case, the money returned by a full refund.
	f, _, err := e.Create(ctx, qr.OrderInput{MerchantID: "M1", OutOrderNo: "N2", Amount: 500, Mode: posguard.QRNative, ExpireSeconds: 300, Hash: "h2"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.UpdateQROrder(ctx, posguard.QROrderUpdate{ID: f.ID, State: posguard.QRFailed, Reason: posguard.ReasonQRRefused}); err != nil {
		t.Fatal(err)
	}
	body, sig = notification(key, f, "1900000101", 500)
	if st, _ := e.ChannelNotification(ctx, "wx", body, sig); st != 200 || cs.count() != 2 {
		t.Fatalf("late payment: %d, %d cases", st, cs.count())
	}
	rs, err := st.QRRefunds(ctx, f.ID)
	if err != nil || len(rs) != 1 || !rs[0].Internal || rs[0].Amount != 500 {
		t.Fatalf("internal refund: %+v %v", rs, err)
	}
	if got, _ := st.QROrder(ctx, f.ID); got.State != posguard.QRFailed {
		t.Fatalf("a failed order changed: %+v", got)
	}
}
