package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/wallet"
)

// QR payments end to end: the real host (serve) and the simulated channel
// (simwallet) as separate commands over real HTTP, on a temp SQLite store.

const (
	qrMID      = "898310048990001"
	qrOtherMID = "898310058120002"
	qrWxKey    = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
	qrNotify   = "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
)

// qrWorldExtra is added to the demo world: one WeChat-like channel (its
// url filled in once simwallet has its port), both first merchants'
// wallets and payers of every behaviour.
const qrChannels = `
wallet_channels:
  - name: "wx"
    kind: wechat
    url: "http://%s/wx"
    app_id: "wx5f3c9a1e2b7d4c60"
    key: "` + qrWxKey + `"
payers:
  - { code: "134567", channel: "wx", balance: 1000000, behavior: ok }
  - { code: "135", channel: "wx", balance: 1000000, behavior: "userpaying:2" }
  - { code: "136", channel: "wx", balance: 1000000, behavior: userpaying_forever }
  - { code: "137", channel: "wx", balance: 1000000, behavior: ok }
  - { code: "138", channel: "wx", balance: 1000000, behavior: ok }
  - { code: "139", channel: "wx", balance: 1000000, behavior: ok }
  - { code: "131", channel: "wx", balance: 1000000, behavior: ok }
  - { code: "132", channel: "wx", balance: 1000000, behavior: "userpaying:1" }
  - { code: "133", channel: "wx", balance: 100, behavior: ok }
  - { code: "14", channel: "wx", balance: 1000000, behavior: ok }
`

// qrWorld is simnet, simwallet and the host over one seeded database.
type qrWorld struct {
	*world
	wallet     *SimwalletCommand
	walletAdm  string
	worldPath  string
	shop       string // API token of a merchant user of qrMID
	other      string // of qrOtherMID
	staff      string // of an operator
	serveArgs  []string
	serveCtx   context.CancelFunc
	serveDone  chan struct{}
	notifySeen *notifySink
	keyArgs    []string // --host-key-file on PostgreSQL
	tune       func(*ServeCommand)
}

// qrWorldFile returns the demo world with the QR sections, the channel at
// walletAddr.
func qrWorldFile(t *testing.T, walletAddr string) string {
	b, err := os.ReadFile(worldFile)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, mid := range []string{qrMID, qrOtherMID} {
		at := strings.Index(s, `- id: "`+mid+`"`)
		end := at + strings.Index(s[at:], "settlement_account:")
		end += strings.Index(s[end:], "\n") + 1
		s = s[:end] + `    wallet: { mch_id: "19000` + mid[len(mid)-5:] + `", notify_key: "` + qrNotify + `" }` + "\n" + s[end:]
	}
	return s + fmt.Sprintf(qrChannels, walletAddr)
}

// startQRWorld starts simwallet (notify schedule 200ms,…), seeds a store
// with the QR world, starts simnet and the host with serveArgs.
func startQRWorld(t *testing.T, serveArgs ...string) *qrWorld {
	t.Helper()
	return startQRWorldOn(t, "", serveArgs...)
}

// startQRWorldOn is startQRWorld on db ("" for a temp SQLite database; a
// PostgreSQL URL with a host key file beside the test's files).
func startQRWorldOn(t *testing.T, db string, serveArgs ...string) *qrWorld {
	t.Helper()
	return startQRWorldTuned(t, db, nil, serveArgs...)
}

// startQRWorldTuned is startQRWorldOn with tune applied to each serve
// before it runs (test seams: clocks, schedules).
func startQRWorldTuned(t *testing.T, db string, tune func(*ServeCommand), serveArgs ...string) *qrWorld {
	t.Helper()
	dir := t.TempDir()
	qw := &qrWorld{world: &world{t: t, dir: dir, db: "sqlite:" + filepath.Join(dir, "posguard.db"), logs: &syncBuffer{}}, serveArgs: serveArgs,
		tune: tune}
	if db != "" {
		// The host key in the test's folder, where userToken looks for it.
		qw.db, qw.keyArgs = db, []string{"--host-key-file", filepath.Join(dir, "posguard.hostkey")}
	}
	ctx, cancel := context.WithCancel(context.Background())
	qw.cancel = cancel
	t.Cleanup(qw.stop)

	// simwallet reads only the path of a channel url: start it first.
	pre := filepath.Join(dir, "wallet-world.yaml")
	if err := os.WriteFile(pre, []byte(qrWorldFile(t, "127.0.0.1:1")), 0o600); err != nil {
		t.Fatal(err)
	}
	qw.wallet = &SimwalletCommand{Stdout: qw.logs, Stderr: qw.logs, Ready: make(chan struct{})}
	if err := qw.wallet.ParseFlags([]string{"--addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0", "--world", pre, "--seed", "3",
		"--notify-schedule", "200ms,400ms,800ms", "--log-level", "warn"}); err != nil {
		t.Fatal(err)
	}
	qw.run(ctx, qw.wallet, qw.wallet.Ready)
	waddr, wadmin := qw.wallet.Addrs()
	qw.walletAdm = wadmin
	qw.worldPath = filepath.Join(dir, "world.yaml")
	if err := os.WriteFile(qw.worldPath, []byte(qrWorldFile(t, waddr)), 0o600); err != nil {
		t.Fatal(err)
	}
	sd := &SeedCommand{Stdout: qw.logs, Stderr: qw.logs}
	if err := sd.ParseFlags(append(append([]string{"--db", qw.db}, qw.keyArgs...), qw.worldPath)); err != nil {
		t.Fatal(err)
	}
	if err := sd.Run(ctx); err != nil {
		t.Fatalf("seed: %v", err)
	}
	sd.Close()
	qw.simnet = &SimnetCommand{Stdout: qw.logs, Stderr: qw.logs, Ready: make(chan struct{})}
	if err := qw.simnet.ParseFlags([]string{"--addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0", "--cards", worldFile, "--seed", "7", "--log-level", "warn"}); err != nil {
		t.Fatal(err)
	}
	qw.run(ctx, qw.simnet, qw.simnet.Ready)
	qw.startHost(serveArgs...)
	qw.shop = qw.userToken("qrshop", posguard.RoleMerchant, qrMID)
	qw.other = qw.userToken("qrother", posguard.RoleMerchant, qrOtherMID)
	qw.staff = qw.userToken("qrops", posguard.RoleOperator, "")
	return qw
}

// startHost starts the host on the world's database with args (after the
// common ones); stopHost stops it, as a kill between two requests would.
func (qw *qrWorld) startHost(args ...string) {
	qw.t.Helper()
	netAddr, _ := qw.simnet.Addrs()
	qw.serve = &ServeCommand{Stdout: qw.logs, Stderr: qw.logs, Ready: make(chan struct{}),
		QRNotifySchedule: []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond}}
	if err := qw.serve.ParseFlags(append([]string{"--db", qw.db, "--terminal-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0",
		"--network", "iso8583://" + netAddr, "--log-level", "warn", "--wallet-timeout", "2s", "--qr-wait", "1500ms"}, append(qw.keyArgs, args...)...)); err != nil {
		qw.t.Fatal(err)
	}
	if qw.tune != nil {
		qw.tune(qw.serve)
	}
	ctx, cancel := context.WithCancel(context.Background())
	qw.serveCtx, qw.serveDone = cancel, make(chan struct{})
	errc := make(chan error, 1)
	go func() {
		defer close(qw.serveDone)
		err := qw.serve.Run(ctx)
		qw.serve.Close()
		errc <- err
	}()
	select {
	case <-qw.serve.Ready:
	case err := <-errc:
		qw.t.Fatalf("serve: %v\n%s", err, qw.logs.String())
	}
	_, qw.httpAdr = qw.serve.Addrs()
}

func (qw *qrWorld) stopHost() {
	if qw.serveCtx != nil {
		qw.serveCtx()
		<-qw.serveDone
		qw.serveCtx = nil
	}
}

func (qw *qrWorld) stop() {
	qw.stopHost()
	qw.world.stop()
}

// call sends a JSON request to the host's API and decodes the answer.
func (qw *qrWorld) call(method, path, token string, body any) (int, map[string]any) {
	qw.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, "http://"+qw.httpAdr+path, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		qw.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

// order posts an order and fails unless the status is want.
func (qw *qrWorld) order(want int, body map[string]any) map[string]any {
	qw.t.Helper()
	st, m := qw.call("POST", "/v1/qr/orders", qw.shop, body)
	if st != want {
		qw.t.Fatalf("POST /v1/qr/orders %v: %d %v", body, st, m)
	}
	return m
}

// waitOrder polls order id until it is in state (and, when set, its
// reversal's state is rev), within 15 s.
func (qw *qrWorld) waitOrder(id string, state, rev string) map[string]any {
	qw.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		st, m := qw.call("GET", "/v1/qr/orders/"+id, qw.shop, nil)
		if st != 200 {
			qw.t.Fatalf("GET order %s: %d %v", id, st, m)
		}
		r, _ := m["reversal"].(map[string]any)
		if m["state"] == state && (rev == "" || (r != nil && r["state"] == rev)) {
			return m
		}
		if time.Now().After(deadline) {
			qw.t.Fatalf("order %s: still %v (reversal %v), want %s %s\n%s", id, m["state"], r, state, rev, qw.logs.String())
		}
		time.Sleep(50 * time.Millisecond) // polling the order the queues move
	}
}

// payer is one simwallet account.
type payer struct {
	Code    string `json:"code"`
	Balance int64  `json:"balance"`
	Charges []struct {
		OutTradeNo     string `json:"out_trade_no"`
		TransactionID  string `json:"transaction_id"`
		Amount         int64  `json:"amount"`
		RefundedAmount int64  `json:"refunded_amount"`
		State          string `json:"state"`
	} `json:"charges"`
}

// account returns simwallet's account of the payer with code.
func (qw *qrWorld) account(code string) payer {
	qw.t.Helper()
	resp, err := http.Get("http://" + qw.walletAdm + "/accounts")
	if err != nil {
		qw.t.Fatal(err)
	}
	defer resp.Body.Close()
	var list []payer
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		qw.t.Fatal(err)
	}
	for _, p := range list {
		if p.Code == code {
			return p
		}
	}
	qw.t.Fatalf("no payer %s", code)
	return payer{}
}

// admin posts to simwallet's admin API.
func (qw *qrWorld) admin(path string, body any) (int, map[string]any) {
	qw.t.Helper()
	b, _ := json.Marshal(body)
	resp, err := http.Post("http://"+qw.walletAdm+path, "application/json", bytes.NewReader(b))
	if err != nil {
		qw.t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

func (qw *qrWorld) faults(spec string) {
	qw.t.Helper()
	if st, m := qw.admin("/faults", map[string]string{"spec": spec}); st != 200 {
		qw.t.Fatalf("faults %q: %d %v", spec, st, m)
	}
}

// netHeld is what the channel holds from a payer for one out_trade_no.
func (p payer) netHeld(outTradeNo string) int64 {
	var n int64
	for _, c := range p.Charges {
		if c.OutTradeNo == outTradeNo && c.State != "reversed" {
			n += c.Amount - c.RefundedAmount
		}
	}
	return n
}

// notifySink is a merchant's notification endpoint: it verifies each
// notification's signature with the merchant's key and records it;
// failFirst answers that many 500s first.
type notifySink struct {
	mu        sync.Mutex
	failFirst int
	got       []map[string]any
	badSig    int
	srv       *http.Server
	url       string
}

func newNotifySink(t *testing.T, failFirst int) *notifySink {
	key, _ := wallet.ParseKey(qrNotify)
	s := &notifySink{failFirst: failFirst}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.url = "http://" + l.Addr().String() + "/notify"
	s.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		defer s.mu.Unlock()
		if !wallet.Verify(key, b, r.Header.Get(wallet.SignatureHeader)) {
			s.badSig++
			w.WriteHeader(400)
			return
		}
		if s.failFirst > 0 {
			s.failFirst--
			w.WriteHeader(500)
			return
		}
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		s.got = append(s.got, m)
	})}
	go func() { _ = s.srv.Serve(l) }()
	t.Cleanup(func() { s.srv.Close() })
	return s
}

func (s *notifySink) events() []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]map[string]any(nil), s.got...)
}

// TestQRMicropay runs the customer-presented flows through the host and
// simwallet: paid at once, USERPAYING then paid, USERPAYING until the
// deadline (reversed), a timeout after charging found by query, bad
// signatures treated as unknown, a retransmitted out_order_no, refunds, and
// the merchant notifications (signed, retried, visible per order).
func TestQRMicropay(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	qw := startQRWorld(t, "--qr-query-every", "100ms", "--qr-pay-deadline", "2s")
	sink := newNotifySink(t, 1)

	t.Run("paid at once", func(t *testing.T) {
		m := qw.order(201, map[string]any{"out_order_no": "A1", "amount": 1234, "auth_code": "134567890123456789", "notify_url": sink.url})
		if m["state"] != "succeeded" || m["transaction_id"] == "" || m["auth_code"] != "134567********6789" || m["amount_yuan"] != "12.34" || m["channel"] != "wechat" {
			t.Fatalf("order = %v", m)
		}
		if p := qw.account("134567"); p.Balance != 1000000-1234 || p.netHeld(m["out_trade_no"].(string)) != 1234 {
			t.Fatalf("payer = %+v", p)
		}
		// The merchant's notification: refused once (500), then delivered,
		// signed, and visible on the order.
		deadline := time.Now().Add(10 * time.Second)
		for len(sink.events()) == 0 {
			if time.Now().After(deadline) {
				t.Fatal("no merchant notification delivered")
			}
			time.Sleep(20 * time.Millisecond) // polling the sink the outbox posts to
		}
		ev := sink.events()[0]
		o, _ := ev["order"].(map[string]any)
		if ev["event"] != "order" || o["id"] != m["id"] || o["state"] != "succeeded" || ev["notify_id"] == "" {
			t.Fatalf("notification = %v", ev)
		}
		// The delivery is recorded on the order once the sink has answered.
		for {
			got := qw.waitOrder(m["id"].(string), "succeeded", "")
			ns, _ := got["notifications"].([]any)
			if len(ns) == 1 && ns[0].(map[string]any)["state"] == "delivered" {
				if ns[0].(map[string]any)["attempts"] != float64(2) {
					t.Fatalf("notifications on the order = %v", ns)
				}
				break
			}
			if len(ns) != 1 || time.Now().After(deadline) {
				t.Fatalf("notifications on the order = %v", got["notifications"])
			}
			time.Sleep(20 * time.Millisecond) // polling the order's notifications
		}
	})

	t.Run("userpaying then paid", func(t *testing.T) {
		m := qw.order(201, map[string]any{"out_order_no": "A2", "amount": 500, "auth_code": "135000000000000001"})
		got := qw.waitOrder(m["id"].(string), "succeeded", "")
		if p := qw.account("135"); p.Balance != 1000000-500 || p.netHeld(got["out_trade_no"].(string)) != 500 {
			t.Fatalf("payer = %+v", p)
		}
	})

	t.Run("userpaying until the deadline: reversed", func(t *testing.T) {
		m := qw.order(201, map[string]any{"out_order_no": "A3", "amount": 700, "auth_code": "136000000000000001"})
		if m["state"] != "paying" {
			t.Fatalf("before the deadline: %v", m["state"])
		}
		got := qw.waitOrder(m["id"].(string), "reversed", "done")
		if got["reason"] != posguard.ReasonQRNotConfirmed || got["explanation"] == nil {
			t.Fatalf("reversed order = %v", got)
		}
		if p := qw.account("136"); p.Balance != 1000000 || p.netHeld(got["out_trade_no"].(string)) != 0 {
			t.Fatalf("payer after the reversal = %+v", p)
		}
	})

	t.Run("timeout after charging: found by query", func(t *testing.T) {
		qw.faults("drop_after_charge=1")
		done := make(chan map[string]any, 1)
		go func() {
			_, m := qw.call("POST", "/v1/qr/orders", qw.shop, map[string]any{"out_order_no": "A4", "amount": 900, "auth_code": "137000000000000001"})
			done <- m
		}()
		// The channel charged, but posguard got no answer.
		deadline := time.Now().Add(10 * time.Second)
		for len(qw.account("137").Charges) == 0 {
			if time.Now().After(deadline) {
				t.Fatal("never charged")
			}
			time.Sleep(20 * time.Millisecond) // polling simwallet's accounts
		}
		qw.faults("")
		m := <-done
		got := qw.waitOrder(m["id"].(string), "succeeded", "")
		p := qw.account("137")
		if p.Balance != 1000000-900 || len(p.Charges) != 1 || got["transaction_id"] != p.Charges[0].TransactionID {
			t.Fatalf("payer = %+v, order = %v", p, got)
		}
	})

	t.Run("bad signature: unknown", func(t *testing.T) {
		qw.faults("bad_signature=1")
		m := qw.order(201, map[string]any{"out_order_no": "A5", "amount": 300, "auth_code": "138000000000000001"})
		// Whatever the unsigned answers said, the order is not decided on them.
		if m["state"] != "paying" {
			t.Fatalf("order decided on answers that do not verify: %v", m)
		}
		qw.faults("")
		got := qw.waitOrder(m["id"].(string), "succeeded", "")
		if p := qw.account("138"); p.Balance != 1000000-300 || p.netHeld(got["out_trade_no"].(string)) != 300 {
			t.Fatalf("payer = %+v", p)
		}
	})

	t.Run("retransmitted out_order_no charges once", func(t *testing.T) {
		body := map[string]any{"out_order_no": "A6", "amount": 250, "auth_code": "131000000000000001"}
		first := qw.order(201, body)
		again := qw.order(200, body)
		if again["id"] != first["id"] || again["state"] != "succeeded" {
			t.Fatalf("repeat = %v", again)
		}
		st, m := qw.call("POST", "/v1/qr/orders", qw.shop, map[string]any{"out_order_no": "A6", "amount": 251, "auth_code": "131000000000000001"})
		if st != 409 {
			t.Fatalf("other content: %d %v", st, m)
		}
		if p := qw.account("131"); p.Balance != 1000000-250 || len(p.Charges) != 1 {
			t.Fatalf("payer = %+v", p)
		}
	})

	t.Run("refund partial then full; above paid refused", func(t *testing.T) {
		body := map[string]any{"out_order_no": "A7", "amount": 1000, "auth_code": "139000000000000001", "notify_url": sink.url}
		m := qw.order(201, body)
		if rs, _ := m["refunds"].([]any); m["refunds"] == nil || len(rs) != 0 {
			t.Fatalf("a new order's refunds = %v", m["refunds"])
		}
		id := m["id"].(string)
		st, r1 := qw.call("POST", "/v1/qr/orders/"+id+"/refunds", qw.shop, map[string]any{"out_refund_no": "RF-1", "amount": 300})
		if st != 201 || r1["state"] != "succeeded" || r1["amount_yuan"] != "3.00" {
			t.Fatalf("refund 1: %d %v", st, r1)
		}
		st, over := qw.call("POST", "/v1/qr/orders/"+id+"/refunds", qw.shop, map[string]any{"out_refund_no": "RF-2", "amount": 701})
		msg, _ := over["error"].(map[string]any)
		if st != 409 || !strings.HasPrefix(fmt.Sprint(msg["message"]), "amount:") {
			t.Fatalf("refund above the refundable: %d %v", st, over)
		}
		st, again := qw.call("POST", "/v1/qr/orders/"+id+"/refunds", qw.shop, map[string]any{"out_refund_no": "RF-1", "amount": 300})
		if st != 200 || again["id"] != r1["id"] {
			t.Fatalf("refund repeat: %d %v", st, again)
		}
		st, r2 := qw.call("POST", "/v1/qr/orders/"+id+"/refunds", qw.shop, map[string]any{"out_refund_no": "RF-2", "amount": 700})
		if st != 201 || r2["state"] != "succeeded" {
			t.Fatalf("refund 2: %d %v", st, r2)
		}
		got := qw.waitOrder(id, "succeeded", "")
		if got["refunded_amount"] != float64(1000) || len(got["refunds"].([]any)) != 2 {
			t.Fatalf("order after refunds = %v", got)
		}
		// Each refund's history: the one /pay/refund and the channel's SUCCESS.
		for _, r := range got["refunds"].([]any) {
			xs, _ := r.(map[string]any)["exchanges"].([]any)
			if len(xs) != 1 {
				t.Fatalf("refund exchanges = %v", r)
			}
			if x := xs[0].(map[string]any); x["request"] != "refund" || x["answer"] != "refund: SUCCESS" || x["at"] == "" {
				t.Fatalf("refund exchange = %v", x)
			}
		}
		// The same order posted again (200) answers with its refunds and
		// their exchanges, as GET does: only a new order's answer skips them.
		repeat := qw.order(200, body)
		if rs, _ := repeat["refunds"].([]any); repeat["id"] != id || len(rs) != 2 {
			t.Fatalf("repeat after refunds = %v", repeat)
		}
		for _, r := range repeat["refunds"].([]any) {
			if xs, _ := r.(map[string]any)["exchanges"].([]any); len(xs) != 1 {
				t.Fatalf("repeat: refund exchanges = %v", r)
			}
		}
		if p := qw.account("139"); p.Balance != 1000000 || p.netHeld(got["out_trade_no"].(string)) != 0 {
			t.Fatalf("payer after full refund = %+v", p)
		}
		st, _ = qw.call("POST", "/v1/qr/orders/"+id+"/refunds", qw.shop, map[string]any{"out_refund_no": "RF-3", "amount": 1})
		if st != 409 {
			t.Fatalf("refund of a fully refunded order: %d", st)
		}
		// The ledger: the payment at the plan's QR rate, both refunds
		// returning the fee pro rata: the merchant is owed nothing for it.
		deadline := time.Now().Add(15 * time.Second)
		for {
			ps, err := qw.serve.store.Money().PostingsByRef(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			if len(ps) == 3 {
				var net, fee posguard.Amount
				for _, p := range ps {
					net += p.Net
					fee += p.Fee
				}
				if ps[0].Gross != 1000 || ps[0].Fee <= 0 || net != 0 || fee != 0 {
					t.Fatalf("QR postings: %+v %+v %+v", ps[0], ps[1], ps[2])
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("QR postings of %s: %d", id, len(ps))
			}
			time.Sleep(50 * time.Millisecond) // polling the ledger the QR poster fills
		}
		// The refunds were notified too (order + 2 refunds).
		deadline = time.Now().Add(10 * time.Second)
		for {
			n := 0
			for _, ev := range sink.events() {
				if o, _ := ev["order"].(map[string]any); o["id"] == id && ev["event"] == "refund" {
					n++
				}
			}
			if n == 2 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("refund notifications: %d", n)
			}
			time.Sleep(20 * time.Millisecond) // polling the sink
		}
	})

	t.Run("gates, isolation and roles", func(t *testing.T) {
		m := qw.order(201, map[string]any{"out_order_no": "G1", "amount": 100, "auth_code": "999999999999999999"})
		if m["state"] != "failed" || m["reason"] != posguard.ReasonQRCodeUnknown || m["out_trade_no"] != nil {
			t.Fatalf("unknown code = %v", m)
		}
		m = qw.order(201, map[string]any{"out_order_no": "G2", "amount": 100, "auth_code": "2812345678901234"})
		if m["reason"] != posguard.ReasonQRChannelNotConfigured {
			t.Fatalf("alipay code without an alipay channel = %v", m)
		}
		m = qw.order(201, map[string]any{"out_order_no": "G3", "amount": 101, "auth_code": "133000000000000001"})
		if m["state"] != "failed" || m["reason"] != posguard.ReasonQRInsufficient {
			t.Fatalf("insufficient = %v", m)
		}
		if st, _ := qw.call("POST", "/v1/qr/orders", qw.shop, map[string]any{"out_order_no": "G4", "amount": 100}); st != 400 {
			t.Fatalf("micropay without auth_code: %d", st)
		}
		if st, _ := qw.call("POST", "/v1/qr/orders", qw.staff, map[string]any{"out_order_no": "G5", "amount": 100, "auth_code": "134567890123456789"}); st != 403 {
			t.Fatalf("staff creating an order: %d", st)
		}
		if st, _ := qw.call("GET", "/v1/qr/orders/"+m["id"].(string), qw.other, nil); st != 404 {
			t.Fatalf("another merchant's order: %d", st)
		}
		st, list := qw.call("GET", "/v1/qr/orders", qw.other, nil)
		if st != 200 || len(list["orders"].([]any)) != 0 {
			t.Fatalf("another merchant's list: %d %v", st, list)
		}
		st, list = qw.call("GET", "/v1/qr/orders?state=succeeded", qw.staff, nil)
		if st != 200 || len(list["orders"].([]any)) < 5 {
			t.Fatalf("staff list: %d %d orders", st, len(list["orders"].([]any)))
		}
		if sink.badSig != 0 {
			t.Fatalf("%d notifications did not verify", sink.badSig)
		}
		// Every channel's day bill agrees with the journal.
		today := time.Now().In(time.FixedZone("CST", 8*3600)).Format("2006-01-02")
		st, rec := qw.call("GET", "/v1/qr/recon?date="+today, qw.staff, nil)
		if st != 200 || rec["rows"].(float64) != 8 || len(rec["findings"].([]any)) != 0 {
			t.Fatalf("QR reconciliation: %d %v", st, rec)
		}
		// Money the channel took for a number posguard never made is found.
		waddr, _ := qw.wallet.Addrs()
		key, _ := wallet.ParseKey(qrWxKey)
		cl := wallet.NewClient(wallet.Channel{Name: "wx", Kind: wallet.KindWeChat, URL: "http://" + waddr + "/wx", AppID: "wx5f3c9a1e2b7d4c60", Key: key})
		if a, err := cl.Micropay(context.Background(), wallet.MicropayRequest{MchID: "1900090001", OutTradeNo: "STRAY1", AuthCode: "134567000000000009", Amount: 77, Subject: "x"}); err != nil || !a.OK() {
			t.Fatalf("stray micropay: %v %v", a, err)
		}
		st, rec = qw.call("GET", "/v1/qr/recon?date="+today, qw.staff, nil)
		fs, _ := rec["findings"].([]any)
		if st != 200 || len(fs) != 1 || fs[0].(map[string]any)["class"] != "unknown_order" || fs[0].(map[string]any)["channel_amount"] != float64(77) {
			t.Fatalf("QR reconciliation with a stray charge: %d %v", st, rec)
		}
		if strings.Contains(qw.logs.String(), "134567890123456789") {
			t.Fatal("a full payment code in the logs")
		}
	})
}

// TestQRNative runs the merchant-presented flows: paid by the channel's
// notification (one success for a duplicated notification) and expired →
// closed. Queries are rare here, so that the notification is what pays.
func TestQRNative(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	qw := startQRWorld(t, "--qr-query-every", "1m")

	t.Run("paid by notification, duplicated", func(t *testing.T) {
		qw.faults("notify_dup=1")
		m := qw.order(201, map[string]any{"out_order_no": "N1", "amount": 1500, "mode": "native", "expire_seconds": 600})
		code, _ := m["code_url"].(string)
		if m["state"] != "paying" || code == "" || m["expires_at"] == nil {
			t.Fatalf("native order = %v", m)
		}
		if st, r := qw.admin("/scan", map[string]string{"code_url": code, "payer": "14000000000000001"}); st != 200 {
			t.Fatalf("scan: %d %v", st, r)
		}
		got := qw.waitOrder(m["id"].(string), "succeeded", "")
		if p := qw.account("14"); p.netHeld(got["out_trade_no"].(string)) != 1500 {
			t.Fatalf("payer = %+v", p)
		}
		deadline := time.Now().Add(10 * time.Second)
		for qw.wallet.Sim.Stats()["notify_delivered"] < 2 {
			if time.Now().After(deadline) {
				t.Fatalf("duplicate not delivered: %v", qw.wallet.Sim.Stats())
			}
			time.Sleep(20 * time.Millisecond) // polling simwallet's counters
		}
		qw.faults("")
		if st, again := qw.call("GET", "/v1/qr/orders/"+m["id"].(string), qw.shop, nil); st != 200 || again["transaction_id"] != got["transaction_id"] || again["updated_at"] != got["updated_at"] {
			t.Fatalf("after the duplicate: %v", again)
		}
	})

	t.Run("expired: closed", func(t *testing.T) {
		m := qw.order(201, map[string]any{"out_order_no": "N2", "amount": 800, "mode": "native", "expire_seconds": 10})
		got := qw.waitOrder(m["id"].(string), "closed", "")
		if got["reason"] != posguard.ReasonQRExpired {
			t.Fatalf("closed order = %v", got)
		}
		if st, r := qw.admin("/scan", map[string]string{"code_url": m["code_url"].(string), "payer": "14000000000000001"}); st != 409 {
			t.Fatalf("scan of a closed order: %d %v", st, r)
		}
	})

	t.Run("bad notification refused", func(t *testing.T) {
		body := []byte(`{"app_id":"wx5f3c9a1e2b7d4c60","mch_id":"1900090001","nonce":"AAAAAAAAAAAAAAAA","timestamp":1,"out_trade_no":"PGX","transaction_id":"T","trade_type":"NATIVE","trade_state":"SUCCESS","amount":1,"paid_at":"2026-03-01T10:00:00+08:00"}`)
		req, _ := http.NewRequest("POST", "http://"+qw.httpAdr+"/v1/qr/notify/wx", bytes.NewReader(body))
		req.Header.Set(wallet.SignatureHeader, strings.Repeat("0", 64))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode < 400 || resp.StatusCode > 499 {
			t.Fatalf("unsigned notification: %d", resp.StatusCode)
		}
	})
}

// TestQRRestart stops the host while a micropay order is paying (no query
// had run yet) and starts it again on the same store: the order is
// resolved by querying, and the micropay is not sent again.
func TestQRRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	qw := startQRWorld(t, "--qr-query-every", "1h")
	m := qw.order(201, map[string]any{"out_order_no": "R1", "amount": 640, "auth_code": "132000000000000001"})
	if m["state"] != "paying" {
		t.Fatalf("before the restart: %v", m)
	}
	qw.stopHost()
	qw.startHost("--qr-query-every", "100ms")
	got := qw.waitOrder(m["id"].(string), "succeeded", "")
	p := qw.account("132")
	if p.Balance != 1000000-640 || len(p.Charges) != 1 || p.Charges[0].OutTradeNo != got["out_trade_no"] {
		t.Fatalf("payer after the restart = %+v", p)
	}
}
