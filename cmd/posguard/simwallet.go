package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	nethttp "net/http"
	"sync"
	"time"

	"github.com/posguard/posguard/simwallet"
)

func init() {
	register("simwallet", "run the simulated QR wallet channels (payers, faults, admin API)", func(stdout, stderr io.Writer) Command {
		return &SimwalletCommand{Stdout: stdout, Stderr: stderr}
	})
}

// SimwalletCommand runs simwallet as its own process: every wallet channel
// of the world file at the path of its url on --addr, the admin API on
// --admin-addr.
type SimwalletCommand struct {
	Stdout, Stderr io.Writer
	logOpts
	Addr      string
	AdminAddr string
	World     string
	Faults    string
	Seed      uint64
	LogLevel  string
	// NotifySchedule shortens the retry schedule of payment notifications.
	NotifySchedule string

	// Ready is closed when both listeners are bound; Sim is the channel set.
	Ready chan struct{}
	Sim   *simwallet.Sim

	mu                    sync.Mutex
	boundAddr, boundAdmin string
}

// ParseFlags reads simwallet's flags.
func (c *SimwalletCommand) ParseFlags(args []string) error {
	fs := newFlagSet("simwallet", "simwallet --addr HOST:PORT --admin-addr HOST:PORT --world FILE [--faults SPEC]", c.Stderr)
	c.addLogFlags(fs)
	fs.StringVar(&c.Addr, "addr", "127.0.0.1:7001", "address of the channel protocol (each channel at the path of its url)")
	fs.StringVar(&c.AdminAddr, "admin-addr", "127.0.0.1:7002", "address of the admin API (GET /accounts, GET /orders, POST /scan, POST /faults)")
	fs.StringVar(&c.World, "world", "", "world file whose wallet_channels, merchants' wallet and payers the channels use")
	fs.StringVar(&c.Faults, "faults", "", "fault spec, e.g. latency=20ms,timeout=0.05,hang=40s,drop_after_charge=0.02,system_error=0.02,bad_signature=0.01")
	fs.Uint64Var(&c.Seed, "seed", 0, "random seed for faults (0: time-based)")
	fs.StringVar(&c.NotifySchedule, "notify-schedule", "", "retry delays of payment notifications, e.g. 1s,2s,5s (default the spec's 15s,30s,1m,3m,10m,30m,1h,2h,6h,12h)")
	fs.StringVar(&c.LogLevel, "log-level", "info", "debug, info, warn or error")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if c.World == "" {
		return errors.New("--world FILE is required")
	}
	return nil
}

// Addrs returns the bound protocol and admin addresses (after Ready).
func (c *SimwalletCommand) Addrs() (addr, admin string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.boundAddr, c.boundAdmin
}

// Run serves until ctx ends.
func (c *SimwalletCommand) Run(ctx context.Context) error {
	if c.Ready == nil {
		c.Ready = make(chan struct{})
	}
	log := c.logger(c.Stderr, c.LogLevel)
	w, err := simwallet.LoadWorld(c.World)
	if err != nil {
		return err
	}
	seedVal := c.Seed
	if seedVal == 0 {
		seedVal = uint64(time.Now().UnixNano())
	}
	var sched []time.Duration
	if c.NotifySchedule != "" {
		if sched, err = simwallet.ParseSchedule(c.NotifySchedule); err != nil {
			return fmt.Errorf("--notify-schedule: %w", err)
		}
	}
	sim, err := simwallet.New(w, simwallet.Options{Seed: seedVal, Logger: log, NotifySchedule: sched})
	if err != nil {
		return err
	}
	defer sim.Close()
	if c.Faults != "" {
		if err := sim.SetFaults(c.Faults); err != nil {
			return fmt.Errorf("--faults: %w", err)
		}
	}
	c.Sim = sim
	pl, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return fmt.Errorf("--addr: %w", err)
	}
	al, err := net.Listen("tcp", c.AdminAddr)
	if err != nil {
		pl.Close()
		return fmt.Errorf("--admin-addr: %w", err)
	}
	c.mu.Lock()
	c.boundAddr, c.boundAdmin = pl.Addr().String(), al.Addr().String()
	c.mu.Unlock()
	proto := &nethttp.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}
	admin := &nethttp.Server{Handler: sim.AdminHandler(), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 2)
	go func() { errc <- ignoreClosed(proto.Serve(pl)) }()
	go func() { errc <- ignoreClosed(admin.Serve(al)) }()
	log.Info("simwallet serving", "channels", "http://"+pl.Addr().String(), "admin", "http://"+al.Addr().String(),
		"wallet_channels", len(w.Channels), "payers", len(w.Payers), "faults", c.Faults)
	close(c.Ready)
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = admin.Shutdown(sctx)
	_ = proto.Shutdown(sctx)
	return err
}

// Close does nothing: Run releases everything.
func (c *SimwalletCommand) Close() error { return nil }
