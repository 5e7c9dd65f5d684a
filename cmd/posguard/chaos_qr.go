package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sort"
	"sync"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/access"
	"github.com/posguard/posguard/qr"
	"github.com/posguard/posguard/seed"
)

// ChaosQRFaults is the default wallet-channel fault mix of a QR chaos run
// (notify_drop, notify_dup and notify_bad_signature: the channel's payment
// notifications to posguard lost, duplicated and forged).
const ChaosQRFaults = "latency=20ms,timeout=0.02,hang=3s,drop_after_charge=0.02,system_error=0.02,bad_signature=0.02,notify_drop=0.2,notify_dup=0.1,notify_bad_signature=0.05"

// ChaosQRReport is what a QR chaos run found (spec/wallet-channel.md §3.8
// and §4.5).
type ChaosQRReport struct {
	Instances         int `json:"instances"`
	Orders            int `json:"orders"`
	Succeeded         int `json:"succeeded"`
	Failed            int `json:"failed"`
	Reversed          int `json:"reversed"`
	Closed            int `json:"closed"`
	LeftPaying        int `json:"left_paying"`
	RefundsProcessing int `json:"refunds_processing"`
	Refunds           int `json:"refunds"`
	Charges           int `json:"charges"`
	Payers            int `json:"payers"`
	Kills             int `json:"kills"`
	// LeaderKills counts kills of the instance holding the qr-queues
	// lease; Handovers the changes of that lease's holder seen.
	LeaderKills    int            `json:"leader_kills"`
	Handovers      int            `json:"handovers"`
	FaultsInjected map[string]int `json:"faults_injected"`
	// Notify is what the merchants' notify_url server saw and the check of
	// every final order and refund against it.
	Notify NotifyReport `json:"notify"`
	// Unaudited lists orders and refunds without an audit record of the
	// API request that made them (POST /v1/qr/orders, …/refunds).
	Unaudited    []string `json:"unaudited"`
	Mismatches   []string `json:"mismatches"`
	DrainSeconds float64  `json:"drain_seconds"`
	RunSeconds   float64  `json:"run_seconds"`
}

// runQR is chaos --qr: simwallet with channel faults, the merchants'
// notify_url server with its own faults, one host or several instances on
// one PostgreSQL database killed and restarted while QR orders of every
// payer behaviour go through the API; then the faults healed, the queues
// and the notification outbox drained, the money the channel holds compared
// with posguard's orders, order by order and payer by payer, and every
// final order and refund checked for a verified notification.
func (c *ChaosCommand) runQR(ctx context.Context) error {
	start := time.Now()
	if c.Faults == ChaosFaults {
		c.Faults = ChaosQRFaults
	}
	rep := ChaosQRReport{Instances: c.Instances}
	addrs := make([]string, 4+2*c.Instances)
	var err error
	for i := range addrs {
		if addrs[i], err = freeAddr(); err != nil {
			return err
		}
	}
	walletAddr, walletAdmin, netAddr, netAdmin := addrs[0], addrs[1], addrs[2], addrs[3]
	termAddrs, httpAddrs := make([]string, c.Instances), make([]string, c.Instances)
	for i := range termAddrs {
		termAddrs[i], httpAddrs[i] = addrs[4+2*i], addrs[5+2*i]
	}
	base := seed.DemoYAML()
	w, err := seed.Parse(base, "demo")
	if err != nil {
		return err
	}
	var mids []string
	for _, m := range w.Merchants {
		if m.Status == posguard.MerchantActive && len(mids) < 3 {
			mids = append(mids, m.ID)
		}
	}
	worldYAML, err := qrWorldYAML(liftQRDailyLimits(base, mids), walletAddr, mids)
	if err != nil {
		return err
	}
	worldPath, db, keyFile, err := c.seedWorld(ctx, worldYAML)
	if err != nil {
		return err
	}
	toks, err := chaosQRTokens(ctx, db, keyFile, mids)
	if err != nil {
		return err
	}
	keys := map[string]string{}
	for i, mid := range mids {
		keys[mid] = qrNotifyKey(i)
	}
	recv, err := newNotifyReceiver(keys, c.NotifyFaults, c.Seed)
	if err != nil {
		return err
	}
	defer recv.Close()
	urls := make([]string, len(mids))
	for i, mid := range mids {
		urls[i] = recv.URL(mid)
	}
	wl, err := c.spawn("simwallet", "simwallet", "--addr", walletAddr, "--admin-addr", walletAdmin, "--world", worldPath,
		"--faults", c.Faults, "--seed", fmt.Sprint(c.Seed), "--notify-schedule", "1s,2s,5s", "--log-level", "warn")
	if err != nil {
		return err
	}
	defer wl.stop(5 * time.Second)
	sn, err := c.spawn("simnet", "simnet", "--addr", netAddr, "--admin-addr", netAdmin, "--cards", worldPath, "--log-level", "warn")
	if err != nil {
		return err
	}
	defer sn.stop(5 * time.Second)
	if err := waitHTTP(ctx, "http://"+walletAdmin+"/stats", 20*time.Second); err != nil {
		return err
	}
	if err := waitHTTP(ctx, "http://"+netAdmin+"/faults", 20*time.Second); err != nil {
		return err
	}
	serveArgs := func(i int) []string {
		args := []string{"serve", "--db", db, "--host-key-file", keyFile, "--terminal-addr", termAddrs[i], "--http-addr", httpAddrs[i],
			"--network", "iso8583://" + netAddr, "--log-level", "warn", "--wallet-timeout", "2s", "--qr-query-every", "500ms",
			"--qr-pay-deadline", "5s", "--qr-wait", "3s", "--qr-notify-schedule", "1s,2s,5s,10s"}
		if c.Instances > 1 {
			args = append(args, "--instance", fmt.Sprint("i", i), "--lease-ttl", c.LeaseTTL.String(), "--reversal-lease", "15s")
		}
		return args
	}
	hosts := c.hostSet(serveArgs, httpAddrs)
	defer hosts.stopAll()
	apis := make([]string, c.Instances)
	for i := range hosts.procs {
		if err := hosts.start(ctx, i); err != nil {
			return err
		}
		apis[i] = "http://" + httpAddrs[i]
	}
	st, _, err := openStore(ctx, db, keyFile, false, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer st.Close()
	leader := &qrLeader{}
	if ls, ok := st.(posguard.LeaseStore); ok && c.Instances > 1 {
		watchCtx, stopWatch := context.WithCancel(ctx)
		defer stopWatch()
		go leader.watch(watchCtx, ls)
	}
	load := &qrLoad{APIs: apis, Tokens: toks, NotifyURLs: urls, Admin: walletAdmin, Rate: c.Rate, Seed: c.Seed}
	loadCtx, stopLoad := context.WithCancel(ctx)
	defer stopLoad()
	loadDone := make(chan struct{})
	go func() { load.run(loadCtx); close(loadDone) }()

	// Kill a host at intervals while orders go on: the only one at even
	// intervals, or, with several instances, at jittered intervals the
	// qr-queues leader every other time and a random instance otherwise,
	// restarted after a pause (past the lease for the leader, so that the
	// queues move to another instance).
	rng := rand.New(rand.NewPCG(c.Seed, 0x71726b))
	every := c.Duration / time.Duration(c.Kills+1)
	for i := 0; i < c.Kills; i++ {
		wait, pause := killTiming(rng, every, c.Instances)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		k := 0
		if c.Instances > 1 {
			k = rng.IntN(c.Instances)
			if l := leader.index(); l >= 0 && i%2 == 0 {
				k = l
			}
			if k == leader.index() {
				// Down longer than the lease: another instance takes the
				// queues over (back at once, the same instance name would
				// renew its own lease).
				rep.LeaderKills++
				pause = 2*c.LeaseTTL + time.Duration(rng.Int64N(int64(time.Second)))
			}
		}
		hosts.procs[k].kill()
		rep.Kills++
		fmt.Fprintf(c.Stderr, "chaos: host %s killed (%d/%d), restarting\n", hosts.name(k), i+1, c.Kills)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pause):
		}
		if err := hosts.start(ctx, k); err != nil {
			return err
		}
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(every):
	}
	stopLoad()
	<-loadDone
	// Heal the channel and the merchants' systems; the queues drain.
	if st := qrAdmin(walletAdmin, "/faults", map[string]string{"spec": ""}); st != 200 {
		return fmt.Errorf("simwallet faults: HTTP %d", st)
	}
	recv.Heal()
	if err := getJSON("http://"+walletAdmin+"/stats", &rep.FaultsInjected); err != nil {
		return err
	}
	healed := time.Now()
	chk, err := checkQRMoney(ctx, st.QR(), walletAdmin, c.DrainLimit, load.Payers())
	if err != nil {
		return err
	}
	if rep.Notify, err = recv.check(ctx, st.QR(), max(c.DrainLimit-time.Since(healed), 10*time.Second)); err != nil {
		return err
	}
	rep.DrainSeconds = time.Since(healed).Seconds()
	if rep.Unaudited, err = qrUnaudited(ctx, st); err != nil {
		return err
	}
	rep.Handovers = leader.changes()
	rep.Orders, rep.Succeeded, rep.Failed, rep.Reversed, rep.Closed = chk.Orders, chk.Succeeded, chk.Failed, chk.Reversed, chk.Closed
	rep.LeftPaying, rep.RefundsProcessing, rep.Charges, rep.Mismatches = chk.Paying, chk.RefundsProcessing, chk.Charges, chk.Mismatches
	rep.Payers = chk.Payers
	rep.Refunds = load.Refunds
	rep.RunSeconds = time.Since(start).Seconds()
	c.QRReport = rep
	c.printQR()
	n := rep.Notify
	switch {
	case len(rep.Mismatches) > 0:
		return fmt.Errorf("%d QR orders or payers whose money differs between the channel and posguard", len(rep.Mismatches))
	case rep.LeftPaying+rep.RefundsProcessing > 0:
		return fmt.Errorf("QR queues not drained after %s: %d orders paying, %d refunds processing", c.DrainLimit, rep.LeftPaying, rep.RefundsProcessing)
	case len(rep.Unaudited) > 0:
		return fmt.Errorf("%d QR orders or refunds without the audit record of the request that made them: %v", len(rep.Unaudited), rep.Unaudited)
	case rep.FaultsInjected["notify_bad_signature_accepted"] > 0:
		return fmt.Errorf("%d payment notifications with a bad signature were acknowledged by posguard", rep.FaultsInjected["notify_bad_signature_accepted"])
	case len(n.Undelivered) > 0 || n.Pending > 0:
		return fmt.Errorf("merchant notifications: %d final orders or refunds without a verified notification, %d still pending", len(n.Undelivered), n.Pending)
	case n.Unverified > 0 || len(n.Conflicts) > 0:
		return fmt.Errorf("merchant notifications: %d did not verify, %d disagree with the store or each other", n.Unverified, len(n.Conflicts))
	}
	return nil
}

// printQR writes the QR report.
func (c *ChaosCommand) printQR() {
	rep := c.QRReport
	if c.JSON {
		b, _ := json.MarshalIndent(rep, "", "  ")
		fmt.Fprintln(c.Stdout, string(b))
		return
	}
	fmt.Fprintf(c.Stdout, "QR chaos: %.0fs, %d host instance(s), %d orders (%d succeeded, %d failed, %d reversed, %d closed), %d refunds, %d host kills (%d of the qr-queues leader, %d lease handovers)\n",
		rep.RunSeconds, rep.Instances, rep.Orders, rep.Succeeded, rep.Failed, rep.Reversed, rep.Closed, rep.Refunds, rep.Kills, rep.LeaderKills, rep.Handovers)
	fmt.Fprintf(c.Stdout, "channel faults injected: %v\n", rep.FaultsInjected)
	fmt.Fprintf(c.Stdout, "drained in %.1fs: %d orders left paying, %d refunds processing\n", rep.DrainSeconds, rep.LeftPaying, rep.RefundsProcessing)
	fmt.Fprintf(c.Stdout, "money: %d charges at the channel, %d payers compared, %d mismatches between the channel and posguard\n", rep.Charges, rep.Payers, len(rep.Mismatches))
	for _, m := range rep.Mismatches {
		fmt.Fprintf(c.Stdout, "  %s\n", m)
	}
	n := rep.Notify
	fmt.Fprintf(c.Stdout, "merchant notifications: %d received, %d verified, %d unverified; %d accepted (%d duplicates); refused on purpose: %d HTTP 500, %d closed, %d held past 10 s\n",
		n.Received, n.Verified, n.Unverified, n.Accepted, n.Duplicates, n.Failed500, n.Closed, n.TimedOut)
	fmt.Fprintf(c.Stdout, "notified: %d final orders and %d final refunds; %d without a notification, %d pending, %d conflicts\n",
		n.Orders, n.Refunds, len(n.Undelivered), n.Pending, len(n.Conflicts))
	for _, m := range append(append([]string(nil), n.Undelivered...), n.Conflicts...) {
		fmt.Fprintf(c.Stdout, "  %s\n", m)
	}
	fmt.Fprintf(c.Stdout, "audit: %d orders and refunds without the audit record of the request that made them %v\n", len(rep.Unaudited), rep.Unaudited)
}

// qrUnaudited returns the orders and refunds of the store without an
// audit record (outcome ok, object Q<n> or R<n>) of the API request that
// made them: every order and refund of a chaos run is made by a merchant
// user's POST, and every change is audited, a host killed mid-request or a
// client gone included.
func qrUnaudited(ctx context.Context, st hostStore) ([]string, error) {
	audited := map[string]bool{}
	for _, action := range []string{"POST /v1/qr/orders", "POST /v1/qr/orders/{id}/refunds"} {
		for before := int64(0); ; {
			page, err := st.Access().AuditRecords(ctx, posguard.AuditFilter{Action: action, Before: before, Limit: 1000})
			if err != nil {
				return nil, err
			}
			if len(page) == 0 {
				break
			}
			for _, r := range page {
				if r.Outcome == "ok" {
					audited[r.Object] = true
				}
			}
			before = page[len(page)-1].ID
		}
	}
	orders, err := allQROrders(ctx, st.QR())
	if err != nil {
		return nil, err
	}
	var missing []string
	for _, o := range orders {
		if id := qr.OrderID(o.ID); !audited[id] {
			missing = append(missing, id)
		}
		refunds, err := st.QR().QRRefunds(ctx, o.ID)
		if err != nil {
			return nil, err
		}
		for _, f := range refunds {
			if id := qr.RefundID(f.ID); !audited[id] {
				missing = append(missing, id)
			}
		}
	}
	sort.Strings(missing)
	return missing, nil
}

// qrLeader follows who holds the qr-queues lease.
type qrLeader struct {
	mu      sync.Mutex
	holder  string
	handovr int
}

// watch polls the leases until ctx ends.
func (l *qrLeader) watch(ctx context.Context, ls posguard.LeaseStore) {
	for ctx.Err() == nil {
		if leases, err := ls.Leases(ctx); err == nil {
			for _, le := range leases {
				if le.Name != "qr-queues" || !le.ExpiresAt.After(time.Now()) {
					continue
				}
				l.mu.Lock()
				if l.holder != "" && l.holder != le.Holder {
					l.handovr++
				}
				l.holder = le.Holder
				l.mu.Unlock()
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// index is the instance number of the holder (instances are named i0, i1,
// …), or -1.
func (l *qrLeader) index() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	var i int
	if _, err := fmt.Sscanf(l.holder, "i%d", &i); err != nil {
		return -1
	}
	return i
}

func (l *qrLeader) changes() int { l.mu.Lock(); defer l.mu.Unlock(); return l.handovr }

// chaosQRTokens adds a merchant user with an API token for each merchant.
func chaosQRTokens(ctx context.Context, db, keyFile string, mids []string) ([]string, error) {
	st, _, err := openStore(ctx, db, keyFile, false, slog.New(slog.DiscardHandler))
	if err != nil {
		return nil, err
	}
	defer st.Close()
	var toks []string
	for _, mid := range mids {
		u := &posguard.User{Name: "qr" + mid, Role: posguard.RoleMerchant, MerchantID: mid, PasswordHash: "-"}
		if err := st.Access().CreateUser(ctx, u); err != nil {
			return nil, err
		}
		secret, _, err := (&access.Auth{Store: st.Access()}).IssueToken(ctx, u, posguard.TokenAPI, 24*time.Hour, "chaos-qr")
		if err != nil {
			return nil, err
		}
		toks = append(toks, secret)
	}
	return toks, nil
}
