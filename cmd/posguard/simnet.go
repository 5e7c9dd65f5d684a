package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/posguard/posguard"
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
	simFlags // --addr (the network link), --admin-addr, --faults, --seed, --log-level
	Cards    string
	Cutoff   string
	// RulingDelay is how long the network takes to rule on a dispute
	// response or arbitration (0: at once).
	RulingDelay time.Duration

	// Ready is closed when both listeners are bound; Net is the network.
	Ready chan struct{}
	Net   *simnet.Network

	world *seed.World
}

// ParseFlags reads simnet's flags.
func (c *SimnetCommand) ParseFlags(args []string) error {
	fs := newFlagSet("simnet", "simnet --addr HOST:PORT --admin-addr HOST:PORT --cards FILE [--faults SPEC]", c.Stderr)
	c.addLogFlags(fs)
	c.addFlags(fs, simDefaults{addr: "127.0.0.1:5900", addrHelp: "address of the network link (ISO 8583:1987 over TCP)",
		admin: "127.0.0.1:5901", adminHelp: "address of the admin API (GET /accounts, POST /faults)",
		faultsExample: "latency=2ms,timeout=0.02,drop_after_approve=0.01,outage=622588:30s"})
	fs.StringVar(&c.Cards, "cards", "", "world file whose cards and acquirer zone PIN key the issuers use")
	fs.StringVar(&c.Cutoff, "cutoff", "23:00", "local time (UTC+8) at which the network's clearing day rolls over, as serve's --cutoff")
	fs.DurationVar(&c.RulingDelay, "dispute-ruling-delay", 0, "how long the network takes to rule on a dispute response or arbitration; 0 rules at once, otherwise the ruling comes in the dispute file (POST /disputes/rule rules now)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if c.Cards == "" {
		return errors.New("--cards FILE is required")
	}
	return nil
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
	cutoff, err := parseCutoff(c.Cutoff)
	if err != nil {
		return err
	}
	n := simnet.New(w.Cards, w.Acquirer.ZonePINKey, simnet.Options{Seed: c.seed(), Logger: log, Calendar: posguard.Calendar{Cutoff: cutoff}, DisputeRulingDelay: c.RulingDelay})
	if c.Faults != "" {
		if err := n.SetFaults(c.Faults); err != nil {
			return fmt.Errorf("--faults: %w", err)
		}
	}
	c.Net = n
	c.world = w
	return c.serve(ctx, c.Ready, log, n, httpServer(n.Handler()), "simnet serving", "network", "", "cards", len(w.Cards))
}

// Close does nothing: Run releases everything.
func (c *SimnetCommand) Close() error { return nil }
