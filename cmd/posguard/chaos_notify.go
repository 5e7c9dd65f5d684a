package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/qr"
	"github.com/posguard/posguard/wallet"
)

// The merchants' side of a QR chaos run: one HTTP server playing every
// merchant's system at its notify_url (http://ADDR/notify/<merchant id>).
// It verifies each notification as spec/wallet-channel.md §4.5 tells a
// merchant to (HMAC-SHA256 of the exact body with that merchant's
// notify_key), keeps what it accepted, and fails some deliveries on
// purpose so that the outbox's retries and restarts are exercised.

// ChaosNotifyFaults is the default fault mix of the merchant receiver.
const ChaosNotifyFaults = "fail=0.1,close=0.05,timeout=0.01,hold=11s"

// notifyFaults is the receiver's fault mix: the probability, per delivery,
// of answering 500 after reading it (fail), closing the connection without
// an answer (close), or holding the request for hold and answering 200
// too late (timeout; posguard waits 10 s). The first two are drawn after
// the body was read and verified, as a merchant's system that stored the
// notification and then failed to answer would: posguard must send it
// again, and the merchant sees a repeat.
type notifyFaults struct {
	Fail, Close, Timeout float64
	Hold                 time.Duration
}

func parseNotifyFaults(spec string) (notifyFaults, error) {
	f := notifyFaults{Hold: 11 * time.Second}
	for _, item := range strings.Split(spec, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		name, val, ok := strings.Cut(item, "=")
		if !ok {
			return f, fmt.Errorf("notify fault %q: want name=value", item)
		}
		if name == "hold" {
			d, err := time.ParseDuration(val)
			if err != nil || d <= 0 {
				return f, fmt.Errorf("notify fault hold: want a positive duration")
			}
			f.Hold = d
			continue
		}
		p, err := strconv.ParseFloat(val, 64)
		if err != nil || p < 0 || p > 1 {
			return f, fmt.Errorf("notify fault %s: want a probability from 0 to 1", name)
		}
		switch name {
		case "fail":
			f.Fail = p
		case "close":
			f.Close = p
		case "timeout":
			f.Timeout = p
		default:
			return f, fmt.Errorf("unknown notify fault %q (fail, close, timeout, hold)", name)
		}
	}
	if f.Fail+f.Close+f.Timeout > 1 {
		return f, fmt.Errorf("notify faults: fail+close+timeout above 1")
	}
	return f, nil
}

// NotifyReport is what the merchant receiver saw.
type NotifyReport struct {
	// Received is every POST; Verified those whose signature verified with
	// the merchant's key; Unverified those refused (401): none is accepted,
	// and posguard signs every notification, so any is a failure.
	Received, Verified, Unverified int
	// Accepted deliveries (answered 2xx); Duplicates: verified arrivals of
	// a notify_id that had arrived before (a retry after a refused answer,
	// the channel's or a restart's repeat), harmless when the state is the
	// same (a conflict otherwise).
	Accepted, Duplicates int
	// Refused on purpose: answered 500, connection closed, held too long.
	Failed500, Closed, TimedOut int
	// Orders and Refunds with at least one accepted final notification.
	Orders, Refunds int
	// Undelivered: final orders and refunds of the store without an
	// accepted notification of that final state after the drain;
	// Conflicts: notifications that disagree with each other or with the
	// store (another final state, a state that is not final, another
	// merchant); Pending: outbox entries still pending at the end.
	Undelivered, Conflicts []string
	Pending                int
}

// notifyReceiver is the merchants' HTTP server.
type notifyReceiver struct {
	keys map[string][]byte // merchant id → notify key

	mu     sync.Mutex
	faults notifyFaults
	rng    *rand.Rand
	rep    NotifyReport
	ids    map[string]bool   // notify_id seen (verified)
	states map[string]string // order or refund id → final state seen
	orders map[string]string // order id → final state accepted (2xx)
	refs   map[string]string // refund id → final state accepted (2xx)
	srv    *http.Server
	addr   string
}

// newNotifyReceiver starts the receiver on a free local port.
func newNotifyReceiver(keys map[string]string, faults string, seed uint64) (*notifyReceiver, error) {
	f, err := parseNotifyFaults(faults)
	if err != nil {
		return nil, err
	}
	r := &notifyReceiver{keys: map[string][]byte{}, faults: f, rng: rand.New(rand.NewPCG(seed, 0x6e6f74)),
		ids: map[string]bool{}, states: map[string]string{}, orders: map[string]string{}, refs: map[string]string{}}
	for mid, k := range keys {
		b, err := hex.DecodeString(k)
		if err != nil {
			return nil, fmt.Errorf("notify key of %s: %w", mid, err)
		}
		r.keys[mid] = b
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r.addr = ln.Addr().String()
	mux := http.NewServeMux()
	mux.HandleFunc("POST /notify/{mid}", r.handle)
	r.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go r.srv.Serve(ln)
	return r, nil
}

// URL is merchant mid's notify_url.
func (r *notifyReceiver) URL(mid string) string { return "http://" + r.addr + "/notify/" + mid }

// Heal stops the receiver's faults.
func (r *notifyReceiver) Heal() {
	r.mu.Lock()
	r.faults = notifyFaults{}
	r.mu.Unlock()
}

// Close stops the server.
func (r *notifyReceiver) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = r.srv.Shutdown(ctx)
}

// notifyBody is the part of a notification the receiver checks.
type notifyBody struct {
	NotifyID string `json:"notify_id"`
	Event    string `json:"event"`
	Order    struct {
		ID         string `json:"id"`
		MerchantID string `json:"merchant_id"`
		State      string `json:"state"`
	} `json:"order"`
	Refund *struct {
		ID    string `json:"id"`
		State string `json:"state"`
	} `json:"refund"`
}

func (r *notifyReceiver) handle(w http.ResponseWriter, req *http.Request) {
	mid := req.PathValue("mid")
	body, err := io.ReadAll(io.LimitReader(req.Body, 64<<10))
	r.mu.Lock()
	r.rep.Received++
	key, known := r.keys[mid]
	if err != nil || !known || !wallet.Verify(key, body, req.Header.Get(wallet.SignatureHeader)) {
		r.rep.Unverified++
		r.mu.Unlock()
		http.Error(w, "signature", http.StatusUnauthorized)
		return
	}
	r.rep.Verified++
	var n notifyBody
	if err := json.Unmarshal(body, &n); err != nil || n.NotifyID == "" || n.Order.ID == "" {
		r.rep.Conflicts = append(r.rep.Conflicts, fmt.Sprintf("a verified notification that is not one: %.80q", body))
		r.mu.Unlock()
		http.Error(w, "body", http.StatusBadRequest)
		return
	}
	if !r.record(mid, &n) {
		r.mu.Unlock()
		http.Error(w, "not final", http.StatusBadRequest)
		return
	}
	roll := r.rng.Float64()
	f := r.faults
	switch {
	case roll < f.Fail:
		r.rep.Failed500++
		r.mu.Unlock()
		http.Error(w, "merchant system failed", http.StatusInternalServerError)
		return
	case roll < f.Fail+f.Close:
		r.rep.Closed++
		r.mu.Unlock()
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler) // ends the connection without an answer
	case roll < f.Fail+f.Close+f.Timeout:
		r.rep.TimedOut++
		r.mu.Unlock()
		select {
		case <-time.After(f.Hold):
		case <-req.Context().Done():
		}
		w.WriteHeader(http.StatusOK) // too late: posguard gave up after 10 s
		return
	}
	r.rep.Accepted++
	r.orders[n.Order.ID] = n.Order.State
	if n.Event == "refund" {
		r.refs[n.Refund.ID] = n.Refund.State
	}
	r.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

// record checks a verified notification as the merchant's system would
// store it, whatever it then answers (r.mu held): a repeat of a notify_id
// is a duplicate; the order's (and refund's) state must be final, the same
// as any notification of it before, and of the merchant of the URL. It
// reports whether the notification is one to keep.
func (r *notifyReceiver) record(mid string, n *notifyBody) bool {
	if r.ids[n.NotifyID] {
		r.rep.Duplicates++
	}
	r.ids[n.NotifyID] = true
	bad := func(format string, a ...any) bool {
		r.rep.Conflicts = append(r.rep.Conflicts, n.NotifyID+": "+fmt.Sprintf(format, a...))
		return false
	}
	if n.Order.MerchantID != mid {
		return bad("order %s of merchant %s sent to merchant %s", n.Order.ID, n.Order.MerchantID, mid)
	}
	same := func(id, state string) bool {
		if was, ok := r.states[id]; ok && was != state {
			return bad("%s notified %s after %s", id, state, was)
		}
		r.states[id] = state
		return true
	}
	switch n.Order.State {
	case "succeeded", "failed", "closed", "reversed":
	default:
		return bad("order %s notified in state %q, not final", n.Order.ID, n.Order.State)
	}
	if !same(n.Order.ID, n.Order.State) {
		return false
	}
	switch {
	case n.Event == "order":
		return true
	case n.Event != "refund" || n.Refund == nil || n.Refund.ID == "":
		return bad("event %q", n.Event)
	case n.Refund.State != "succeeded" && n.Refund.State != "failed":
		return bad("refund %s notified in state %q, not final", n.Refund.ID, n.Refund.State)
	}
	return same(n.Refund.ID, n.Refund.State)
}

// check waits (up to limit) until the store's outbox has nothing pending,
// then compares every final order and refund of the store that has a
// notify_url with what the receiver accepted, and returns the report.
func (r *notifyReceiver) check(ctx context.Context, q posguard.QRStore, limit time.Duration) (NotifyReport, error) {
	deadline := time.Now().Add(limit)
	for {
		due, err := q.DueQRNotices(ctx, time.Now().Add(365*24*time.Hour), 1000)
		if err != nil {
			return NotifyReport{}, err
		}
		if len(due) == 0 || time.Now().After(deadline) {
			r.mu.Lock()
			r.rep.Pending = len(due)
			r.mu.Unlock()
			break
		}
		select {
		case <-ctx.Done():
			return NotifyReport{}, ctx.Err()
		case <-time.After(200 * time.Millisecond): // polling another process's queue
		}
	}
	orders, err := allQROrders(ctx, q)
	if err != nil {
		return NotifyReport{}, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	rep := r.rep
	rep.Undelivered, rep.Conflicts = nil, append([]string(nil), r.rep.Conflicts...)
	for _, o := range orders {
		if o.NotifyURL == "" || o.State == posguard.QRPaying {
			continue
		}
		id := qr.OrderID(o.ID)
		switch got, ok := r.orders[id]; {
		case !ok:
			rep.Undelivered = append(rep.Undelivered, fmt.Sprintf("order %s (%s): no notification accepted", id, o.State))
		case got != string(o.State):
			rep.Conflicts = append(rep.Conflicts, fmt.Sprintf("order %s is %s, notified %s", id, o.State, got))
		default:
			rep.Orders++
		}
		refunds, err := q.QRRefunds(ctx, o.ID)
		if err != nil {
			return NotifyReport{}, err
		}
		for _, f := range refunds {
			if f.State != posguard.QRRefundSucceeded && f.State != posguard.QRRefundFailed {
				continue
			}
			rid := qr.RefundID(f.ID)
			switch got, ok := r.refs[rid]; {
			case !ok:
				rep.Undelivered = append(rep.Undelivered, fmt.Sprintf("refund %s of %s (%s): no notification accepted", rid, id, f.State))
			case got != string(f.State):
				rep.Conflicts = append(rep.Conflicts, fmt.Sprintf("refund %s is %s, notified %s", rid, f.State, got))
			default:
				rep.Refunds++
			}
		}
	}
	sort.Strings(rep.Undelivered)
	return rep, nil
}

// allQROrders reads every QR order of the store.
func allQROrders(ctx context.Context, q posguard.QRStore) ([]*posguard.QROrder, error) {
	var orders []*posguard.QROrder
	for before := int64(0); ; {
		list, err := q.QROrders(ctx, posguard.QROrderFilter{Before: before, Limit: 1000})
		if err != nil {
			return nil, err
		}
		orders = append(orders, list...)
		if len(list) < 1000 {
			return orders, nil
		}
		before = list[len(list)-1].ID
	}
}
