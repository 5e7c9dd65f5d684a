package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/posguard/posguard/bench"
	"github.com/posguard/posguard/seed"
)

func init() {
	register("bench", "measure throughput and latency: terminals over TCP against a host, and the echo limit", func(stdout, stderr io.Writer) Command {
		return &BenchCommand{Stdout: stdout, Stderr: stderr}
	})
}

// BenchCommand runs `posguard bench`.
type BenchCommand struct {
	Stdout, Stderr io.Writer

	DB              string
	Host            string
	World           string
	Terminals       int
	Cards           int
	Rate            float64
	Duration        time.Duration
	Warmup          time.Duration
	Faults          string
	UpstreamTimeout time.Duration
	NoGroupCommit   bool
	CommitWindow    time.Duration
	NoEcho          bool
	JSON            bool
	CPUProfile      string
	// Watch is --watch NAME=PID[+PID…] (repeatable): processes whose CPU
	// the run reports per request beside its own (an external host,
	// simnet, the database's backends).
	Watch stringList
	// WriteWorld is --write-world FILE: write the bench world of
	// --terminals and --cards as a world file and stop, for seeding an
	// external host and simnet with the world the load will use.
	WriteWorld string
	// Mode is card (terminals over TCP, the default) or qr (merchants'
	// systems posting QR orders to the HTTP API, simwallet in process).
	Mode    string
	Clients int
	// Capacity is --capacity: a capacity sweep from --rate, by --rate-step
	// (RateStep) up to --rate-max (RateMax), a step sustained while its
	// p99 stays within --max-p99 (MaxP99).
	Capacity bool
	RateStep float64
	RateMax  float64
	MaxP99   time.Duration
}

// ParseFlags reads bench's flags.
func (c *BenchCommand) ParseFlags(args []string) error {
	fs := newFlagSet("bench", "bench [--mode card|qr] [--db DSN] [--terminals N] [--clients N] [--rate R [--capacity]] [--duration D] [--faults SPEC] [--json]", c.Stderr)
	fs.StringVar(&c.Mode, "mode", "card", "card: terminal sales over TCP; qr: QR micropay orders posted to the HTTP API by --clients merchant systems, simwallet in this process")
	fs.IntVar(&c.Clients, "clients", 32, "--mode qr: concurrent merchant systems, one keep-alive connection each")
	fs.StringVar(&c.DB, "db", "", "store of the in-process host: sqlite:PATH (must not exist) or a postgres:// URL (a fresh schema, dropped after); default SQLite in a temp dir")
	fs.StringVar(&c.Host, "host", "", "drive an external host at HOST:PORT instead (needs --world)")
	fs.StringVar(&c.World, "world", "", "with --host: the world file the host was seeded with")
	fs.IntVar(&c.Terminals, "terminals", 16, "concurrent terminals, one TCP connection each")
	fs.IntVar(&c.Cards, "cards", 100, "cards in the generated bench world")
	fs.Float64Var(&c.Rate, "rate", 0, "open loop: sales (--mode qr: orders) per second, send times scheduled in advance; 0: closed loop")
	fs.DurationVar(&c.Duration, "duration", 10*time.Second, "measured time")
	fs.DurationVar(&c.Warmup, "warmup", 2*time.Second, "unmeasured time before it")
	fs.StringVar(&c.Faults, "faults", "", "simnet fault spec, e.g. timeout=0.1 (in-process host only)")
	fs.DurationVar(&c.UpstreamTimeout, "upstream-timeout", 2*time.Second, "in-process host's wait for the network")
	fs.BoolVar(&c.NoGroupCommit, "no-group-commit", false, "commit every journal write on its own (to compare)")
	fs.DurationVar(&c.CommitWindow, "commit-window", 0, "how long a group-commit batch waits for more writes (0: only those already waiting join)")
	fs.BoolVar(&c.NoEcho, "no-echo", false, "skip the echo (physical limit) run; --mode qr: skip the channel-alone run")
	fs.BoolVar(&c.Capacity, "capacity", false, "capacity sweep: open-loop steps from --rate up by --rate-step, on one host, until a step is not sustained (p99 from the scheduled send above --max-p99, or more than 0.1% failed); prints the highest rate sustained")
	fs.Float64Var(&c.RateStep, "rate-step", 0, "--capacity: rate added after each sustained step (default: --rate / 10)")
	fs.Float64Var(&c.RateMax, "rate-max", 0, "--capacity: highest rate to try (0: no limit)")
	fs.DurationVar(&c.MaxP99, "max-p99", bench.DefaultMaxP99, "--capacity: a sustained step's p99 latency, at most")
	fs.BoolVar(&c.JSON, "json", false, "print the result as JSON")
	fs.StringVar(&c.CPUProfile, "cpuprofile", "", "write a CPU profile of the posguard run to this file")
	fs.Var(&c.Watch, "watch", "NAME=PID[+PID…]: also report these processes' CPU per request over the measured time, summed under NAME (repeatable; e.g. an external host and simnet)")
	fs.StringVar(&c.WriteWorld, "write-world", "", "write the bench world of --terminals and --cards to this world file (for posguard seed and simnet --cards) and stop")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	switch {
	case c.Mode != "card" && c.Mode != "qr":
		return fmt.Errorf("--mode must be card or qr")
	case c.Mode == "qr" && (c.Host != "" || c.Faults != ""):
		return fmt.Errorf("--mode qr runs the in-process host: --host and --faults are card-only")
	case c.Clients <= 0:
		return fmt.Errorf("--clients must be at least 1")
	case c.Terminals <= 0:
		return fmt.Errorf("--terminals must be at least 1")
	case c.Duration <= 0:
		return fmt.Errorf("--duration must be positive")
	case c.Rate < 0:
		return fmt.Errorf("--rate must not be negative")
	case c.Host != "" && c.World == "":
		return fmt.Errorf("--host needs --world, the world file the host was seeded with")
	case c.Host != "" && c.Faults != "":
		return fmt.Errorf("--faults applies to the in-process host only")
	case c.Cards <= 0:
		return fmt.Errorf("--cards must be at least 1")
	case c.Capacity && c.Rate <= 0:
		return fmt.Errorf("--capacity needs --rate, the first rate of the sweep")
	case c.RateStep < 0 || c.RateMax < 0 || c.MaxP99 <= 0:
		return fmt.Errorf("--rate-step and --rate-max must not be negative, --max-p99 must be positive")
	}
	for _, w := range c.Watch {
		if _, err := bench.ParseWatch(w); err != nil {
			return err
		}
	}
	return nil
}

// Run runs the bench and prints the result.
func (c *BenchCommand) Run(ctx context.Context) error {
	if c.WriteWorld != "" {
		return c.writeWorld()
	}
	cfg := bench.Config{
		DB: c.DB, Host: c.Host, Terminals: c.Terminals, Cards: c.Cards, Rate: c.Rate,
		Duration: c.Duration, Warmup: c.Warmup, Faults: c.Faults, UpstreamTimeout: c.UpstreamTimeout,
		NoGroupCommit: c.NoGroupCommit, CommitWindow: c.CommitWindow, NoEcho: c.NoEcho,
	}
	var sweep *bench.Sweep
	if c.Capacity {
		sweep = &bench.Sweep{Step: c.RateStep, Max: c.RateMax, MaxP99: c.MaxP99}
		cfg.Sweep = sweep
	}
	for _, s := range c.Watch {
		w, err := bench.ParseWatch(s)
		if err != nil {
			return err
		}
		cfg.Watch = append(cfg.Watch, w)
	}
	if c.World != "" {
		w, err := seed.ParseFile(c.World)
		if err != nil {
			return err
		}
		cfg.World = w
	}
	if c.CPUProfile != "" {
		stop, err := startCPUProfile(c.CPUProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	if c.Mode == "qr" {
		res, err := bench.RunQR(ctx, bench.QRConfig{DB: c.DB, Clients: c.Clients, Warmup: c.Warmup, Duration: c.Duration,
			NoGroupCommit: c.NoGroupCommit, CommitWindow: c.CommitWindow, NoChannel: c.NoEcho, Rate: c.Rate, Sweep: sweep})
		if err != nil {
			return err
		}
		return c.print(res)
	}
	res, err := bench.Run(ctx, cfg)
	if err != nil {
		return err
	}
	return c.print(res)
}

// writeWorld writes the bench world (bench.World) of --terminals and
// --cards as a world file: posguard seed loads it into an external host's
// store, simnet --cards gives its issuers the same cards and zone key, and
// bench --host --world drives the host with it.
func (c *BenchCommand) writeWorld() error {
	b, err := seed.Marshal(bench.World(c.Terminals, c.Cards))
	if err != nil {
		return err
	}
	if err := os.WriteFile(c.WriteWorld, b, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(c.Stdout, "wrote %s: %d terminals, %d cards\n", c.WriteWorld, c.Terminals, c.Cards)
	return nil
}

// print writes a run's result: indented JSON with --json, else the table.
func (c *BenchCommand) print(res interface{ Print(io.Writer) }) error {
	if c.JSON {
		enc := json.NewEncoder(c.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	res.Print(c.Stdout)
	return nil
}

// Close has nothing to release: Run closes what it opens.
func (c *BenchCommand) Close() error { return nil }
