package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/access"
	"github.com/posguard/posguard/seed"
)

// ChaosQRFaults is the default wallet-channel fault mix of a QR chaos run.
const ChaosQRFaults = "latency=20ms,timeout=0.02,hang=3s,drop_after_charge=0.02,system_error=0.02,bad_signature=0.02,notify_drop=0.2,notify_dup=0.1"

// ChaosQRReport is what a QR chaos run found (spec/wallet-channel.md §3.8).
type ChaosQRReport struct {
	Orders            int            `json:"orders"`
	Succeeded         int            `json:"succeeded"`
	Failed            int            `json:"failed"`
	Reversed          int            `json:"reversed"`
	Closed            int            `json:"closed"`
	LeftPaying        int            `json:"left_paying"`
	RefundsProcessing int            `json:"refunds_processing"`
	Refunds           int            `json:"refunds"`
	Charges           int            `json:"charges"`
	Kills             int            `json:"kills"`
	FaultsInjected    map[string]int `json:"faults_injected"`
	Mismatches        []string       `json:"mismatches"`
	DrainSeconds      float64        `json:"drain_seconds"`
	RunSeconds        float64        `json:"run_seconds"`
}

// runQR is chaos --qr: simwallet with channel faults, the host killed and
// restarted while QR orders of every payer behaviour go through the API,
// then the faults healed, the queues drained, and the money the channel
// holds compared with posguard's orders, order by order.
func (c *ChaosCommand) runQR(ctx context.Context) error {
	start := time.Now()
	if c.Faults == ChaosFaults {
		c.Faults = ChaosQRFaults
	}
	addrs := make([]string, 4)
	var err error
	for i := range addrs {
		if addrs[i], err = freeAddr(); err != nil {
			return err
		}
	}
	walletAddr, walletAdmin, termAddr, httpAddr := addrs[0], addrs[1], addrs[2], addrs[3]
	netAddr, netAdmin := "", ""
	if netAddr, err = freeAddr(); err != nil {
		return err
	}
	if netAdmin, err = freeAddr(); err != nil {
		return err
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
	worldYAML, err := qrWorldYAML(base, walletAddr, mids)
	if err != nil {
		return err
	}
	worldPath := filepath.Join(c.Dir, "world.yaml")
	if err := os.WriteFile(worldPath, worldYAML, 0o644); err != nil {
		return err
	}
	dbPath := filepath.Join(c.Dir, "posguard.db")
	db, keyFile := "sqlite:"+dbPath, dbPath+".hostkey"
	if out, err := exec.Command(c.Bin, "seed", "--db", db, "--host-key-file", keyFile, worldPath).CombinedOutput(); err != nil {
		return fmt.Errorf("seed: %v: %s", err, out)
	}
	toks, err := chaosQRTokens(ctx, db, keyFile, mids)
	if err != nil {
		return err
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
	serveArgs := []string{"serve", "--db", db, "--host-key-file", keyFile, "--terminal-addr", termAddr, "--http-addr", httpAddr,
		"--network", "iso8583://" + netAddr, "--log-level", "warn", "--wallet-timeout", "2s", "--qr-query-every", "500ms",
		"--qr-pay-deadline", "5s", "--qr-wait", "3s"}
	host, err := c.spawn("serve", serveArgs...)
	if err != nil {
		return err
	}
	defer func() { host.stop(10 * time.Second) }()
	if err := waitHTTP(ctx, "http://"+httpAddr+"/healthz", 30*time.Second); err != nil {
		return err
	}
	load := &qrLoad{APIs: []string{"http://" + httpAddr}, Tokens: toks, Admin: walletAdmin, Rate: c.Rate, Seed: c.Seed}
	loadCtx, stopLoad := context.WithCancel(ctx)
	loadDone := make(chan struct{})
	go func() { load.run(loadCtx); close(loadDone) }()
	var rep ChaosQRReport
	every := c.Duration / time.Duration(c.Kills+1)
	for i := 0; i < c.Kills; i++ {
		select {
		case <-ctx.Done():
			stopLoad()
			return ctx.Err()
		case <-time.After(every):
		}
		host.kill()
		rep.Kills++
		fmt.Fprintf(c.Stderr, "chaos: host killed (%d/%d), restarting\n", i+1, c.Kills)
		if host, err = c.spawn("serve", serveArgs...); err != nil {
			stopLoad()
			return err
		}
		if err := waitHTTP(ctx, "http://"+httpAddr+"/healthz", 30*time.Second); err != nil {
			stopLoad()
			return err
		}
	}
	select {
	case <-ctx.Done():
	case <-time.After(every):
	}
	stopLoad()
	<-loadDone
	// Heal the channel; the host's queues drain.
	if st := qrAdmin(walletAdmin, "/faults", map[string]string{"spec": ""}); st != 200 {
		return fmt.Errorf("simwallet faults: HTTP %d", st)
	}
	if err := getJSON("http://"+walletAdmin+"/stats", &rep.FaultsInjected); err != nil {
		return err
	}
	healed := time.Now()
	st, _, err := openStore(ctx, db, keyFile, false, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer st.Close()
	chk, err := checkQRMoney(ctx, st.QR(), walletAdmin, c.DrainLimit)
	if err != nil {
		return err
	}
	rep.DrainSeconds = time.Since(healed).Seconds()
	rep.Orders, rep.Succeeded, rep.Failed, rep.Reversed, rep.Closed = chk.Orders, chk.Succeeded, chk.Failed, chk.Reversed, chk.Closed
	rep.LeftPaying, rep.RefundsProcessing, rep.Charges, rep.Mismatches = chk.Paying, chk.RefundsProcessing, chk.Charges, chk.Mismatches
	rep.Refunds = load.Refunds
	rep.RunSeconds = time.Since(start).Seconds()
	c.QRReport = rep
	if c.JSON {
		b, _ := json.MarshalIndent(rep, "", "  ")
		fmt.Fprintln(c.Stdout, string(b))
	} else {
		fmt.Fprintf(c.Stdout, "QR chaos: %d orders (%d succeeded, %d failed, %d reversed, %d closed), %d refunds, %d host kills\n",
			rep.Orders, rep.Succeeded, rep.Failed, rep.Reversed, rep.Closed, rep.Refunds, rep.Kills)
		fmt.Fprintf(c.Stdout, "faults injected: %v\n", rep.FaultsInjected)
		fmt.Fprintf(c.Stdout, "drained in %.1fs: %d orders left paying, %d refunds processing\n", rep.DrainSeconds, rep.LeftPaying, rep.RefundsProcessing)
		fmt.Fprintf(c.Stdout, "money: %d charges at the channel, %d mismatches between the channel and posguard\n", rep.Charges, len(rep.Mismatches))
		for _, m := range rep.Mismatches {
			fmt.Fprintf(c.Stdout, "  %s\n", m)
		}
	}
	switch {
	case len(rep.Mismatches) > 0:
		return fmt.Errorf("%d QR orders whose money differs between the channel and posguard", len(rep.Mismatches))
	case rep.LeftPaying+rep.RefundsProcessing > 0:
		return fmt.Errorf("QR queues not drained after %s: %d orders paying, %d refunds processing", c.DrainLimit, rep.LeftPaying, rep.RefundsProcessing)
	}
	return nil
}

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
