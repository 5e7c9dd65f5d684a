package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/qr"
	"github.com/posguard/posguard/seed"
	"github.com/posguard/posguard/wallet"
)

// TestChaosNotifyReceiver: the merchants' server of chaos --qr, fed with
// notification bodies built and signed by the QR engine from a real SQLite
// store, accepts a verified one, counts its repeat as a duplicate, refuses
// a forged one and a state that contradicts an earlier one, and its check
// names the final order whose notification never arrived although the
// outbox marked it delivered.
func TestChaosNotifyReceiver(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, _, err := openStore(ctx, "sqlite:"+filepath.Join(dir, "posguard.db"), "", true, newLogger(io.Discard, "error", "text"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	key := qrNotifyKey(1)
	recv, err := newNotifyReceiver(map[string]string{"M1": key}, "", 1)
	if err != nil {
		t.Fatal(err)
	}
	defer recv.Close()
	kb, _ := hex.DecodeString(key)
	q := st.QR()
	if err := q.PutMerchantWallet(ctx, &posguard.MerchantWallet{MerchantID: "M1", MchID: "1900000101", NotifyKey: kb}); err != nil {
		t.Fatal(err)
	}
	for _, no := range []string{"A1", "A2"} {
		if _, _, err := q.CreateQROrder(ctx, &posguard.QROrder{MerchantID: "M1", OutOrderNo: no, RequestHash: no, Mode: posguard.QRMicropay,
			Amount: 100, State: posguard.QRFailed, Reason: posguard.ReasonQRCodeUnknown, NotifyURL: recv.URL("M1")}, "PGT"); err != nil {
			t.Fatal(err)
		}
	}
	notices, err := q.DueQRNotices(ctx, time.Now().Add(time.Hour), 10)
	if err != nil || len(notices) != 2 {
		t.Fatalf("notices: %d %v", len(notices), err)
	}
	eng := &qr.Engine{Store: q, Now: time.Now}
	post := func(body []byte, sig string) int {
		req, _ := http.NewRequest("POST", recv.URL("M1"), bytes.NewReader(body))
		req.Header.Set(wallet.SignatureHeader, sig)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	a, sigA, err := eng.NoticeBody(ctx, notices[0])
	if err != nil {
		t.Fatal(err)
	}
	if s := post(a, sigA); s != 200 {
		t.Fatalf("verified notification: HTTP %d", s)
	}
	if s := post(a, sigA); s != 200 {
		t.Fatalf("its repeat: HTTP %d", s)
	}
	b, _, err := eng.NoticeBody(ctx, notices[1])
	if err != nil {
		t.Fatal(err)
	}
	if s := post(b, wallet.Sign([]byte("another merchant's key"), b)); s != 401 {
		t.Fatalf("forged notification: HTTP %d", s)
	}
	if s := post(b, ""); s != 401 {
		t.Fatalf("unsigned notification: HTTP %d", s)
	}
	other := []byte(strings.Replace(string(a), `"state":"failed"`, `"state":"succeeded"`, 1))
	if s := post(other, wallet.Sign(kb, other)); s != 400 {
		t.Fatalf("another final state for the same order: HTTP %d", s)
	}
	// The outbox believes both were delivered.
	for _, n := range notices {
		if err := q.QRNoticeAttempted(ctx, n.ID, true, time.Time{}, "", false, false); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := recv.check(ctx, q, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Verified != 3 || rep.Unverified != 2 || rep.Accepted != 2 || rep.Duplicates != 2 || rep.Orders != 1 || rep.Pending != 0 {
		t.Fatalf("report: %+v", rep)
	}
	wantOrder := qr.OrderID(notices[1].OrderID)
	if len(rep.Undelivered) != 1 || !strings.Contains(rep.Undelivered[0], wantOrder+" ") {
		t.Fatalf("undelivered = %v, want %s", rep.Undelivered, wantOrder)
	}
	if len(rep.Conflicts) != 1 || !strings.Contains(rep.Conflicts[0], "succeeded after failed") {
		t.Fatalf("conflicts = %v", rep.Conflicts)
	}
}

// TestParseNotifyFaults: the receiver's fault mix.
func TestParseNotifyFaults(t *testing.T) {
	f, err := parseNotifyFaults(ChaosNotifyFaults)
	if err != nil || f.Fail != 0.1 || f.Close != 0.05 || f.Timeout != 0.01 || f.Hold != 11*time.Second {
		t.Fatalf("default: %+v %v", f, err)
	}
	for _, bad := range []string{"fail", "fail=2", "hold=-1s", "drop=0.1", "fail=0.6,close=0.6"} {
		if _, err := parseNotifyFaults(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestLiftQRDailyLimits: the chaos world drops the QR merchants' daily
// limits (and only theirs); the result still parses.
func TestLiftQRDailyLimits(t *testing.T) {
	base := seed.DemoYAML()
	w, err := seed.Parse(base, "demo")
	if err != nil {
		t.Fatal(err)
	}
	var mids []string
	for _, m := range w.Merchants {
		if m.Status == posguard.MerchantActive && len(mids) < 3 {
			mids = append(mids, m.ID)
		}
	}
	lifted, err := seed.Parse(liftQRDailyLimits(base, mids), "lifted")
	if err != nil {
		t.Fatal(err)
	}
	chosen := map[string]bool{}
	for _, id := range mids {
		chosen[id] = true
	}
	limited := 0
	for i, m := range lifted.Merchants {
		was := w.Merchants[i].Limits
		switch {
		case chosen[m.ID] && (m.Limits.Daily != 0 || m.Limits.DailyCount != 0 || m.Limits.PerTxn != was.PerTxn):
			t.Errorf("%s: limits %+v", m.ID, m.Limits)
		case !chosen[m.ID] && m.Limits != was:
			t.Errorf("%s (not a QR merchant): limits %+v, were %+v", m.ID, m.Limits, was)
		case chosen[m.ID] && (was.Daily != 0 || was.DailyCount != 0):
			limited++
		}
	}
	if limited == 0 {
		t.Fatal("no QR merchant of the demo had a daily limit: nothing tested")
	}
}
