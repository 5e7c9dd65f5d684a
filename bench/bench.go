package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/posguard/posguard/seed"
)

// Config is a whole bench run: posguard, then the echo limit.
type Config struct {
	// DB is the in-process host's store (see HostConfig.DB).
	DB string
	// Host is an external host's terminal address; empty runs posguard
	// and the simulated network in this process.
	Host string
	// World is the world the external host was seeded with; nil for the
	// in-process host (a bench world is generated then).
	World *seed.World
	// Cards is the number of cards in a generated world (default 100).
	Cards int
	// Terminals, Rate, Warmup, Duration: see LoadConfig.
	Terminals int
	Rate      float64
	Warmup    time.Duration
	Duration  time.Duration
	// Faults is the simulated network's fault spec (in-process host only).
	Faults string
	// UpstreamTimeout is the host's wait for the network (default 2 s).
	UpstreamTimeout time.Duration
	// NoGroupCommit turns the store's group commit off.
	NoGroupCommit bool
	// CommitWindow is how long a group-commit batch waits for more writes
	// (0: only those already waiting join).
	CommitWindow time.Duration
	// NoEcho skips the echo run.
	NoEcho bool
	// Watch names other processes whose CPU time the posguard run reports
	// per request (an external host, simnet; see LoadConfig.Watch).
	Watch []Watch
	// Sweep, when set, runs a capacity sweep from Rate (capacity.go)
	// instead of one run; no echo run follows.
	Sweep *Sweep
}

// Machine describes where the bench ran.
type Machine struct {
	CPUs      int    `json:"cpus"`
	Model     string `json:"cpu_model"`
	GoVersion string `json:"go"`
	OS        string `json:"os"`
}

// Result is a bench run's outcome.
type Result struct {
	Machine     Machine `json:"machine"`
	Store       string  `json:"store"`
	Faults      string  `json:"faults,omitempty"`
	GroupCommit bool    `json:"group_commit"`
	// CommitWindow is the group-commit window in microseconds.
	CommitWindowMicros int64 `json:"commit_window_us"`
	// Posguard is the run, or a sweep's last step.
	Posguard *Report `json:"posguard"`
	// Capacity is the capacity sweep's outcome (Config.Sweep).
	Capacity *Capacity `json:"capacity,omitempty"`
	Echo     *Report   `json:"echo,omitempty"`
	// EchoRatio is posguard's throughput over the echo's.
	EchoRatio float64 `json:"echo_ratio,omitempty"`
}

// PartLabel is the CPU-profile label that tells the bench's parts apart:
// host (posguard: store, switch, network client, terminal server), simnet,
// load (the simulated terminals) and echo. go tool pprof -tags shows the
// split; -tagfocus=part=host keeps posguard's own samples.
const PartLabel = "part"

// Run starts the in-process host (unless cfg.Host is set), drives it, then
// drives an echo server with the same client loop and frames.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if cfg.Cards <= 0 {
		cfg.Cards = 100
	}
	res := &Result{Machine: ThisMachine(), Faults: cfg.Faults, GroupCommit: !cfg.NoGroupCommit,
		CommitWindowMicros: cfg.CommitWindow.Microseconds()}
	w := cfg.World
	addr := cfg.Host
	if addr == "" {
		w = World(cfg.Terminals, cfg.Cards)
		var h *Host
		var err error
		// Every goroutine the host starts carries the profile label
		// part=host (simnet's: part=simnet), so a --cpuprofile can be split
		// between posguard and the harness that shares its cores.
		pprof.Do(ctx, pprof.Labels(PartLabel, "host"), func(ctx context.Context) {
			h, err = StartHost(ctx, HostConfig{DB: cfg.DB, World: w, Faults: cfg.Faults,
				UpstreamTimeout: cfg.UpstreamTimeout, GroupCommit: !cfg.NoGroupCommit,
				CommitWindow: cfg.CommitWindow})
		})
		if err != nil {
			return nil, err
		}
		defer h.Close()
		addr = h.Addr
		res.Store = storeName(cfg.DB)
	} else {
		res.Store = "external host " + addr
	}
	if w == nil {
		return nil, fmt.Errorf("bench: --host needs --world, the world file the host was seeded with")
	}
	lc := LoadConfig{Addr: addr, World: w, Terminals: cfg.Terminals, Rate: cfg.Rate, Warmup: cfg.Warmup, Duration: cfg.Duration, Watch: cfg.Watch}
	var err error
	if cfg.Sweep != nil {
		ls, err := openLoad(ctx, lc)
		if err != nil {
			return nil, err
		}
		defer ls.close()
		res.Capacity, err = cfg.Sweep.run(ctx, cfg.Rate, ls.step)
		if err != nil {
			return nil, err
		}
		res.Posguard = res.Capacity.Steps[len(res.Capacity.Steps)-1]
		return res, nil
	}
	if res.Posguard, err = Load(ctx, lc); err != nil {
		return nil, err
	}
	if cfg.NoEcho {
		return res, nil
	}
	var e *EchoServer
	pprof.Do(ctx, pprof.Labels(PartLabel, "echo"), func(context.Context) { e, err = StartEcho("127.0.0.1:0") })
	if err != nil {
		return nil, err
	}
	defer e.Close()
	lc.Addr, lc.Echo, lc.Watch = e.Addr(), true, nil
	if res.Echo, err = Load(ctx, lc); err != nil {
		return nil, err
	}
	if res.Echo.Throughput > 0 {
		res.EchoRatio = res.Posguard.Throughput / res.Echo.Throughput
	}
	return res, nil
}

// storeName names the store of a --db value without any password.
func storeName(db string) string {
	switch {
	case db == "":
		return "sqlite (temporary file)"
	case strings.HasPrefix(db, "sqlite:"):
		return db
	}
	return "postgres"
}

// Print writes the result for people.
func (r *Result) Print(w io.Writer) {
	fmt.Fprintf(w, "machine: %d CPUs, %s, %s %s\n", r.Machine.CPUs, r.Machine.Model, r.Machine.GoVersion, r.Machine.OS)
	gc := "on"
	if r.CommitWindowMicros > 0 {
		gc = fmt.Sprintf("on, window %v", time.Duration(r.CommitWindowMicros)*time.Microsecond)
	}
	if !r.GroupCommit {
		gc = "off"
	}
	fmt.Fprintf(w, "store: %s, group commit %s", r.Store, gc)
	if r.Faults != "" {
		fmt.Fprintf(w, ", faults %s", r.Faults)
	}
	fmt.Fprintln(w)
	if r.Capacity != nil {
		r.Capacity.Print(w)
		return
	}
	r.Posguard.Print(w)
	if r.Echo != nil {
		r.Echo.Print(w)
		fmt.Fprintf(w, "posguard / echo throughput: %.1f%%\n", 100*r.EchoRatio)
	}
}

// ThisMachine reads the CPU count and model.
func ThisMachine() Machine {
	m := Machine{CPUs: runtime.NumCPU(), GoVersion: runtime.Version(), OS: runtime.GOOS + "/" + runtime.GOARCH}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				m.Model = strings.TrimSpace(v)
				break
			}
		}
	}
	return m
}
