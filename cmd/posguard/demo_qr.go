package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/access"
	"github.com/posguard/posguard/seed"
)

// demoQR is the demo's QR side: simwallet with the demo payers, a wallet
// for the first active merchants, and QR orders through the API beside
// the card fleet.
type demoQR struct {
	wallet *SimwalletCommand
	done   started
	mids   []string
	load   *qrLoad
	loadWG chan struct{}
}

// startDemoQR starts simwallet and rewrites the world file at worldPath
// with the QR sections (the channel at simwallet's address) before it is
// seeded.
func startDemoQR(ctx context.Context, worldPath string, logFile io.Writer) (*demoQR, error) {
	base, err := os.ReadFile(worldPath)
	if err != nil {
		return nil, err
	}
	w, err := seed.Parse(base, worldPath)
	if err != nil {
		return nil, err
	}
	d := &demoQR{}
	for _, m := range w.Merchants {
		if m.Status == posguard.MerchantActive && len(d.mids) < 3 {
			d.mids = append(d.mids, m.ID)
		}
	}
	pre, err := qrWorldYAML(base, "127.0.0.1:1", d.mids)
	if err != nil {
		return nil, err
	}
	prePath := worldPath + ".wallet"
	if err := os.WriteFile(prePath, pre, 0o644); err != nil {
		return nil, err
	}
	d.wallet = &SimwalletCommand{Stdout: logFile, Stderr: logFile, Ready: make(chan struct{})}
	if err := d.wallet.ParseFlags([]string{"--addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0", "--world", prePath,
		"--notify-schedule", "1s,2s,5s,10s", "--log-level", "warn"}); err != nil {
		return nil, err
	}
	d.done = start(ctx, d.wallet, d.wallet.Ready)
	if err := <-d.done.ready; err != nil {
		return nil, err
	}
	addr, _ := d.wallet.Addrs()
	full, err := qrWorldYAML(base, addr, d.mids)
	if err != nil {
		return nil, err
	}
	return d, os.WriteFile(worldPath, full, 0o644)
}

// run makes QR orders at rate per second until ctx ends, with API tokens of
// the merchants' demo users.
func (d *demoQR) run(ctx context.Context, st hostStore, httpAddr string, rate float64) error {
	var toks []string
	for _, mid := range d.mids {
		u, err := st.Access().UserByName(ctx, "m"+mid)
		if err != nil {
			return err
		}
		secret, _, err := (&access.Auth{Store: st.Access()}).IssueToken(ctx, u, posguard.TokenAPI, 24*time.Hour, "demo-qr")
		if err != nil {
			return err
		}
		toks = append(toks, secret)
	}
	_, admin := d.wallet.Addrs()
	d.load = &qrLoad{APIs: []string{"http://" + httpAddr}, Tokens: toks, Admin: admin, Rate: rate, Seed: uint64(time.Now().UnixNano())}
	d.loadWG = make(chan struct{})
	go func() { d.load.run(ctx); close(d.loadWG) }()
	return nil
}

// finish waits for the QR load to stop and the queues to drain, then
// prints the orders and the money check against simwallet's accounts.
func (d *demoQR) finish(out io.Writer, st hostStore) {
	if d.loadWG != nil {
		<-d.loadWG
	}
	_, admin := d.wallet.Addrs()
	c, err := checkQRMoney(context.Background(), st.QR(), admin, 90*time.Second, nil)
	if err != nil {
		fmt.Fprintf(out, "QR money check: %v\n", err)
		return
	}
	fmt.Fprintf(out, "\nQR: %d orders (%d succeeded, %d failed, %d reversed, %d closed, %d still paying), %d refunds\n",
		c.Orders, c.Succeeded, c.Failed, c.Reversed, c.Closed, c.Paying, d.load.Refunds)
	fmt.Fprintf(out, "QR money check: %d charges at the channel, %d mismatches between the channel and posguard\n", c.Charges, len(c.Mismatches))
	for _, m := range c.Mismatches {
		fmt.Fprintf(out, "  %s\n", m)
	}
}
