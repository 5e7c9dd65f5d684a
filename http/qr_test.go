package http_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/qr"
	"github.com/posguard/posguard/sqlite"
)

// qrEngine gives the fixture store QR payments: both merchants have a
// wallet (no channel is configured, so calls get no answer), M1 has the
// succeeded order Q1 and M2 the failed order Q2.
func qrEngine(t *testing.T, st *sqlite.Store) *qr.Engine {
	t.Helper()
	ctx := context.Background()
	for _, mid := range []string{m1, m2} {
		if err := st.PutMerchantWallet(ctx, &posguard.MerchantWallet{MerchantID: mid, MchID: "19" + mid[len(mid)-4:], NotifyKey: bytes.Repeat([]byte{0xA0}, 32)}); err != nil {
			t.Fatal(err)
		}
	}
	e := &qr.Engine{Store: st.QR(), Merchants: st, Terminals: st, Settings: st, Wait: 50 * time.Millisecond, WalletTimeout: 200 * time.Millisecond}
	if err := e.Start(ctx); err != nil {
		t.Fatal(err)
	}
	for _, x := range []struct {
		mid   string
		state posguard.QRState
	}{{m1, posguard.QRSucceeded}, {m2, posguard.QRFailed}} {
		o, _, err := st.CreateQROrder(ctx, &posguard.QROrder{MerchantID: x.mid, OutOrderNo: "F-" + x.mid, RequestHash: "h", Mode: posguard.QRMicropay,
			Channel: "wechat", ChannelName: "wx", Amount: 1000, State: posguard.QRPaying, AuthCode: "134567********6789"}, "PGTEST")
		if err != nil {
			t.Fatal(err)
		}
		none := posguard.QRTaskNone
		if _, err := st.UpdateQROrder(ctx, posguard.QROrderUpdate{ID: o.ID, State: x.state, Reason: map[posguard.QRState]string{posguard.QRFailed: posguard.ReasonQRRefused}[x.state],
			TransactionID: "T" + x.mid, PaidAt: time.Now(), Task: &none}); err != nil {
			t.Fatal(err)
		}
	}
	return e
}
