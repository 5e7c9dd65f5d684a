package main

import (
	"context"
	"errors"
	"fmt"
	"io"
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
	simFlags // --addr (the channel protocol), --admin-addr, --faults, --seed, --log-level
	World    string
	// NotifySchedule shortens the retry schedule of payment notifications.
	NotifySchedule string

	// Ready is closed when both listeners are bound; Sim is the channel set.
	Ready chan struct{}
	Sim   *simwallet.Sim
}

// ParseFlags reads simwallet's flags.
func (c *SimwalletCommand) ParseFlags(args []string) error {
	fs := newFlagSet("simwallet", "simwallet --addr HOST:PORT --admin-addr HOST:PORT --world FILE [--faults SPEC]", c.Stderr)
	c.addLogFlags(fs)
	c.addFlags(fs, simDefaults{addr: "127.0.0.1:7001", addrHelp: "address of the channel protocol (each channel at the path of its url)",
		admin: "127.0.0.1:7002", adminHelp: "address of the admin API (GET /accounts, GET /orders, POST /scan, POST /faults)",
		faultsExample: "latency=20ms,timeout=0.05,hang=40s,drop_after_charge=0.02,system_error=0.02,bad_signature=0.01"})
	fs.StringVar(&c.World, "world", "", "world file whose wallet_channels, merchants' wallet and payers the channels use")
	fs.StringVar(&c.NotifySchedule, "notify-schedule", "", "retry delays of payment notifications, e.g. 1s,2s,5s (default the spec's 15s,30s,1m,3m,10m,30m,1h,2h,6h,12h)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if c.World == "" {
		return errors.New("--world FILE is required")
	}
	return nil
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
	var sched []time.Duration
	if c.NotifySchedule != "" {
		if sched, err = simwallet.ParseSchedule(c.NotifySchedule); err != nil {
			return fmt.Errorf("--notify-schedule: %w", err)
		}
	}
	sim, err := simwallet.New(w, simwallet.Options{Seed: c.seed(), Logger: log, NotifySchedule: sched})
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
	return c.serve(ctx, c.Ready, log, httpServer(sim), httpServer(sim.AdminHandler()), "simwallet serving",
		"channels", "http://", "wallet_channels", len(w.Channels), "payers", len(w.Payers))
}

// Close does nothing: Run releases everything.
func (c *SimwalletCommand) Close() error { return nil }
