package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/posguard/posguard"
)

// QR traffic for the demo and chaos: a world's QR sections, orders of every
// payer behaviour through the merchant API, and the money check of spec
// §3.8 between simwallet's accounts and posguard's orders.

// qrDemoKey and qrDemoNotifyKey are the demo channel's and merchants' keys.
const (
	qrDemoKey       = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
	qrDemoNotifyKey = "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
)

// qrPayers are the demo payers: the code prefix (WeChat-like 18-digit
// codes start 10 to 15), behaviour and balance.
var qrPayers = []struct {
	Code, Behavior string
	Balance        int64
}{
	{"130", "ok", 50_000_000}, {"131", "ok", 50_000_000}, {"132", "userpaying:1", 50_000_000},
	{"133", "userpaying:3", 50_000_000}, {"134", "userpaying_forever", 50_000_000}, {"135", "insufficient", 0},
	{"136", "expired_code", 50_000_000}, {"137", "invalid_code", 50_000_000}, {"138", "ok", 3000},
}

// qrNotifyKey is the notify_key of the i-th QR merchant of the demo and
// chaos worlds: the first has qrDemoNotifyKey, each other its own, so that
// a notification signed with another merchant's key does not verify.
func qrNotifyKey(i int) string {
	if i == 0 {
		return qrDemoNotifyKey
	}
	return fmt.Sprintf("%02x", i) + qrDemoNotifyKey[2:]
}

// qrWorldYAML returns world (YAML) with one WeChat-like channel at walletAddr,
// a wallet for each merchant in mids, and the demo payers.
func qrWorldYAML(world []byte, walletAddr string, mids []string) ([]byte, error) {
	s := string(world)
	for i, mid := range mids {
		at := strings.Index(s, `- id: "`+mid+`"`)
		if at < 0 {
			return nil, fmt.Errorf("qr world: no merchant %s", mid)
		}
		end := at + strings.Index(s[at:], "settlement_account:")
		end += strings.Index(s[end:], "\n") + 1
		s = s[:end] + fmt.Sprintf("    wallet: { mch_id: \"19%08d\", notify_key: %q }\n", i+1, qrNotifyKey(i)) + s[end:]
	}
	var b strings.Builder
	b.WriteString(s)
	fmt.Fprintf(&b, "\nwallet_channels:\n  - { name: \"wx\", kind: wechat, url: \"http://%s/wx\", app_id: \"wxdemo0000000001\", key: %q }\npayers:\n", walletAddr, qrDemoKey)
	for _, p := range qrPayers {
		fmt.Fprintf(&b, "  - { code: %q, channel: \"wx\", balance: %d, behavior: %q }\n", p.Code, p.Balance, p.Behavior)
	}
	return []byte(b.String()), nil
}

// dailyLimit matches a daily amount or count limit in a merchant's limits.
var dailyLimit = regexp.MustCompile(`,?\s*\bdaily(_count)?: \d+`)

// liftQRDailyLimits removes the daily amount and count limits of the
// merchants mids from world (YAML), so that a long chaos run keeps sending
// their orders to the channel instead of failing them at the gate.
func liftQRDailyLimits(world []byte, mids []string) []byte {
	s := string(world)
	for _, mid := range mids {
		at := strings.Index(s, `- id: "`+mid+`"`)
		if at < 0 {
			continue
		}
		end := len(s)
		if next := strings.Index(s[at+1:], "\n  - id: "); next >= 0 {
			end = at + 1 + next
		}
		s = s[:at] + dailyLimit.ReplaceAllString(s[at:end], "") + s[end:]
	}
	return []byte(s)
}

// qrLoad makes QR orders through the merchant API.
type qrLoad struct {
	APIs   []string // http://HOST:PORT of the hosts (orders spread over them)
	Tokens []string // merchant users' API tokens
	// NotifyURLs, when set, are the notify_url of each token's merchant.
	NotifyURLs []string
	Admin      string // simwallet's admin address
	Rate       float64
	Seed       uint64

	mu                                    sync.Mutex
	Orders, Succeeded, Failed, Reversed   int
	Closed, Paying, Refunds, Errors, Sent int
	// payers maps each out_order_no sent to its payer's code prefix.
	payers map[string]string
}

// Payers returns the payer (code prefix) of each out_order_no sent.
func (l *qrLoad) Payers() map[string]string {
	l.mu.Lock()
	defer l.mu.Unlock()
	m := make(map[string]string, len(l.payers))
	for k, v := range l.payers {
		m[k] = v
	}
	return m
}

// run posts orders at Rate until ctx ends: mostly micropay with a random
// payer, some native orders paid by a scan, some refunds of succeeded ones.
func (l *qrLoad) run(ctx context.Context) {
	rng := rand.New(rand.NewPCG(l.Seed, 0x7172))
	every := time.Duration(float64(time.Second) / l.Rate)
	var wg sync.WaitGroup
	n := 0
	for ctx.Err() == nil {
		n++
		i := n
		k := rng.IntN(len(l.Tokens))
		tok, notify := l.Tokens[k], ""
		if k < len(l.NotifyURLs) {
			notify = l.NotifyURLs[k]
		}
		api := rng.IntN(len(l.APIs))
		p := qrPayers[rng.IntN(len(qrPayers))]
		amount := 100 + rng.Int64N(20000)
		native := rng.IntN(6) == 0
		refund := rng.IntN(4) == 0
		wg.Add(1)
		go func() {
			defer wg.Done()
			l.one(ctx, api, tok, notify, i, p.Code, amount, native, refund)
		}()
		select {
		case <-ctx.Done():
		case <-time.After(every):
		}
	}
	wg.Wait()
}

// one makes order i through host APIs[k]; its out_order_no is sent again
// after an error (the same number: idempotent), to the next host.
func (l *qrLoad) one(ctx context.Context, k int, tok, notify string, i int, payer string, amount int64, native, refund bool) {
	no := fmt.Sprintf("L%d-%d", l.Seed, i)
	body := map[string]any{"out_order_no": no, "amount": amount}
	if notify != "" {
		body["notify_url"] = notify
	}
	if native {
		body["mode"] = "native"
		body["expire_seconds"] = 30
	} else {
		body["auth_code"] = payer + fmt.Sprintf("%015d", i)
	}
	l.count(func() {
		l.Sent++
		if l.payers == nil {
			l.payers = map[string]string{}
		}
		l.payers[no] = payer
	})
	var o map[string]any
	api := l.APIs[k]
	for try := 0; try < 30; try++ {
		api = l.APIs[(k+try)%len(l.APIs)]
		st, m := qrCall(ctx, api, tok, "POST", "/v1/qr/orders", body)
		if st == 200 || st == 201 {
			o = m
			break
		}
		if ctx.Err() != nil {
			return
		}
		select { // the host may be restarting: the same number again
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
	if o == nil {
		l.count(func() { l.Errors++ })
		return
	}
	l.count(func() { l.Orders++ })
	if native {
		if code, _ := o["code_url"].(string); code != "" {
			qrAdmin(l.Admin, "/scan", map[string]string{"code_url": code, "payer": payer + "000000000000000"})
		}
		return
	}
	if refund && o["state"] == "succeeded" {
		id, _ := o["id"].(string)
		st, _ := qrCall(ctx, api, tok, "POST", "/v1/qr/orders/"+id+"/refunds", map[string]any{"out_refund_no": "RF" + no, "amount": amount / 2})
		if st == 200 || st == 201 {
			l.count(func() { l.Refunds++ })
		}
	}
}

func (l *qrLoad) count(f func()) { l.mu.Lock(); f(); l.mu.Unlock() }

// qrCall sends one JSON request to a host's API.
func qrCall(ctx context.Context, api, tok, method, path string, body any) (int, map[string]any) {
	b, _ := json.Marshal(body)
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, api+path, bytes.NewReader(b))
	if err != nil {
		return 0, nil
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

// qrAdmin posts to simwallet's admin API.
func qrAdmin(admin, path string, body any) int {
	b, _ := json.Marshal(body)
	resp, err := http.Post("http://"+admin+path, "application/json", bytes.NewReader(b))
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// qrMoneyCheck is the outcome of the §3.8 check.
type qrMoneyCheck struct {
	Orders, Succeeded, Failed, Closed, Reversed int
	Paying, RefundsProcessing                   int
	Charges                                     int
	// Payers is how many payers' money was compared (payers given).
	Payers     int
	Mismatches []string
}

// checkQRMoney waits (up to limit) until no order is paying and no refund
// processing, then compares, for every out_trade_no, the money simwallet
// holds (taken − reversed − refunded) with what posguard says: amount −
// refunded for a succeeded order, 0 otherwise. With payers (out_order_no →
// the payer's code prefix, as qrLoad sent them) it also compares, payer by
// payer, what the channel took from the balance with the sum posguard
// shows for that payer's orders (succeeded: amount − refunded).
func checkQRMoney(ctx context.Context, q posguard.QRStore, admin string, limit time.Duration, payers map[string]string) (*qrMoneyCheck, error) {
	deadline := time.Now().Add(limit)
	var orders []*posguard.QROrder
	c := &qrMoneyCheck{}
	for {
		orders = orders[:0]
		c.Paying, c.RefundsProcessing = 0, 0
		for before := int64(0); ; {
			list, err := q.QROrders(ctx, posguard.QROrderFilter{Before: before, Limit: 1000})
			if err != nil {
				return nil, err
			}
			orders = append(orders, list...)
			if len(list) < 1000 {
				break
			}
			before = list[len(list)-1].ID
		}
		for _, o := range orders {
			if o.State == posguard.QRPaying || o.Task != posguard.QRTaskNone {
				c.Paying++
			}
		}
		due, err := q.DueQRRefunds(ctx, time.Now().Add(24*time.Hour), 1000)
		if err != nil {
			return nil, err
		}
		c.RefundsProcessing = len(due)
		if c.Paying+c.RefundsProcessing == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond) // polling another process's queues
	}
	var accounts []struct {
		Code    string `json:"code"`
		Balance int64  `json:"balance"`
		Charges []struct {
			OutTradeNo     string `json:"out_trade_no"`
			Amount         int64  `json:"amount"`
			RefundedAmount int64  `json:"refunded_amount"`
			State          string `json:"state"`
		} `json:"charges"`
	}
	if err := getJSON("http://"+admin+"/accounts", &accounts); err != nil {
		return nil, err
	}
	held, balances := map[string]int64{}, map[string]int64{}
	for _, a := range accounts {
		balances[a.Code] = a.Balance
		for _, ch := range a.Charges {
			c.Charges++
			if ch.State == "charged" {
				held[ch.OutTradeNo] += ch.Amount - ch.RefundedAmount
			} else {
				held[ch.OutTradeNo] += 0
			}
		}
	}
	seen := map[string]bool{}
	for _, o := range orders {
		c.Orders++
		want := int64(0)
		switch o.State {
		case posguard.QRSucceeded:
			c.Succeeded++
			want = int64(o.Amount - o.RefundedAmount)
		case posguard.QRFailed:
			c.Failed++
		case posguard.QRClosed:
			c.Closed++
		case posguard.QRReversed:
			c.Reversed++
		}
		if o.OutTradeNo == "" {
			continue
		}
		seen[o.OutTradeNo] = true
		if got := held[o.OutTradeNo]; got != want {
			c.Mismatches = append(c.Mismatches, fmt.Sprintf("Q%d %s (%s): the channel holds %d fen, posguard says %d", o.ID, o.OutTradeNo, o.State, got, want))
		}
	}
	for no, h := range held {
		if !seen[no] && h != 0 {
			c.Mismatches = append(c.Mismatches, fmt.Sprintf("%s: the channel holds %d fen for a number posguard never made", no, h))
		}
	}
	if payers != nil {
		c.Mismatches = append(c.Mismatches, comparePayers(orders, payers, balances)...)
		c.Payers = len(qrPayers)
	}
	return c, nil
}

// comparePayers compares, for each demo payer, the money the channel took
// (opening balance − balance now) with posguard's succeeded orders of that
// payer less their refunds.
func comparePayers(orders []*posguard.QROrder, payers map[string]string, balances map[string]int64) []string {
	var bad []string
	want := map[string]int64{}
	for _, o := range orders {
		p, ok := payers[o.OutOrderNo]
		if !ok {
			bad = append(bad, fmt.Sprintf("Q%d %s: an order the load never sent", o.ID, o.OutOrderNo))
			continue
		}
		if o.State == posguard.QRSucceeded {
			want[p] += int64(o.Amount - o.RefundedAmount)
		}
	}
	for _, p := range qrPayers {
		bal, ok := balances[p.Code]
		if !ok {
			bad = append(bad, fmt.Sprintf("payer %s: not at the channel", p.Code))
			continue
		}
		if took := p.Balance - bal; took != want[p.Code] {
			bad = append(bad, fmt.Sprintf("payer %s (%s): the channel took %d fen, posguard's succeeded orders less refunds are %d", p.Code, p.Behavior, took, want[p.Code]))
		}
	}
	return bad
}
