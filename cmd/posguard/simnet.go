package main

import (
	"context"
	"errors"
	"fmt"
	"github.com/posguard/posguard"
	"io"
	"net"
	nethttp "net/http"
	"sync"
	"time"

	"github.com/posguard/posguard/seed"
	"github.com/posguard/posguard/simnet"
)

func init() {
	register("simnet", "run the simulated card network and issuers (with fault injection)", func(stdout, stderr io.Writer) Command {
		return &SimnetCommand{Stdout: stdout, Stderr: stderr}
	})
}

// SimnetCommand runs simnet as its own process.
type SimnetCommand struct {
	Stdout, Stderr io.Writer
	logOpts
	Addr      string
	AdminAddr string
	Cards     string
	Faults    string
	Seed      uint64
	Cutoff    string
	LogLevel  string
	// RulingDelay is how long the network takes to rule on a dispute
	// response or arbitration (0: at once).
	RulingDelay time.Duration

	// Ready is closed when both listeners are bound; Net is the network.
	Ready chan struct{}
	Net   *simnet.Network

	world                *seed.World
	mu                   sync.Mutex
	boundNet, boundAdmin string
}

// ParseFlags reads simnet's flags.
func (c *SimnetCommand) ParseFlags(args []string) error {
	fs := newFlagSet("simnet", "simnet --addr HOST:PORT --admin-addr HOST:PORT --cards FILE [--faults SPEC]", c.Stderr)
	c.addLogFlags(fs)
	fs.StringVar(&c.Addr, "addr", "127.0.0.1:5900", "address of the network link (ISO 8583:1987 over TCP)")
	fs.StringVar(&c.AdminAddr, "admin-addr", "127.0.0.1:5901", "address of the admin API (GET /accounts, POST /faults)")
	fs.StringVar(&c.Cards, "cards", "", "world file whose cards and acquirer zone PIN key the issuers use")
	fs.StringVar(&c.Faults, "faults", "", "fault spec, e.g. latency=2ms,timeout=0.02,drop_after_approve=0.01,outage=622588:30s")
	fs.Uint64Var(&c.Seed, "seed", 0, "random seed for faults (0: time-based)")
	fs.StringVar(&c.Cutoff, "cutoff", "23:00", "local time (UTC+8) at which the network's clearing day rolls over, as serve's --cutoff")
	fs.StringVar(&c.LogLevel, "log-level", "info", "debug, info, warn or error")
	fs.DurationVar(&c.RulingDelay, "dispute-ruling-delay", 0, "how long the network takes to rule on a dispute response or arbitration; 0 rules at once, otherwise the ruling comes in the dispute file (POST /disputes/rule rules now)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if c.Cards == "" {
		return errors.New("--cards FILE is required")
	}
	return nil
}

// Addrs returns the bound network and admin addresses (after Ready).
func (c *SimnetCommand) Addrs() (netAddr, admin string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.boundNet, c.boundAdmin
}

// Run serves until ctx ends.
func (c *SimnetCommand) Run(ctx context.Context) error {
	if c.Ready == nil {
		c.Ready = make(chan struct{})
	}
	log := c.logger(c.Stderr, c.LogLevel)
	w, err := seed.ParseFile(c.Cards)
	if err != nil {
		return err
	}
	seedVal := c.Seed
	if seedVal == 0 {
		seedVal = uint64(time.Now().UnixNano())
	}
	cutoff, err := parseCutoff(c.Cutoff)
	if err != nil {
		return err
	}
	n := simnet.New(w.Cards, w.Acquirer.ZonePINKey, simnet.Options{Seed: seedVal, Logger: log, Calendar: posguard.Calendar{Cutoff: cutoff}, DisputeRulingDelay: c.RulingDelay})
	if c.Faults != "" {
		if err := n.SetFaults(c.Faults); err != nil {
			return fmt.Errorf("--faults: %w", err)
		}
	}
	c.Net = n
	c.world = w
	nl, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return fmt.Errorf("--addr: %w", err)
	}
	al, err := net.Listen("tcp", c.AdminAddr)
	if err != nil {
		nl.Close()
		return fmt.Errorf("--admin-addr: %w", err)
	}
	c.mu.Lock()
	c.boundNet, c.boundAdmin = nl.Addr().String(), al.Addr().String()
	c.mu.Unlock()
	admin := &nethttp.Server{Handler: n.Handler(), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 2)
	go func() { errc <- ignoreClosed(n.Serve(nl)) }()
	go func() { errc <- ignoreClosed(admin.Serve(al)) }()
	log.Info("simnet serving", "network", nl.Addr().String(), "admin", "http://"+al.Addr().String(), "cards", len(w.Cards), "faults", c.Faults)
	close(c.Ready)
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = admin.Shutdown(sctx)
	_ = n.Shutdown(sctx)
	return err
}

// Close does nothing: Run releases everything.
func (c *SimnetCommand) Close() error { return nil }

// ignoreClosed drops the error a server returns after a clean shutdown.
func ignoreClosed(err error) error {
	if errors.Is(err, nethttp.ErrServerClosed) || errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}
