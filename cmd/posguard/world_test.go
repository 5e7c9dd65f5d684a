package main

import (
	"bytes"
	"context"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/recon"
	"github.com/posguard/posguard/seed"
)

// world is a running simnet and host over a temp SQLite database, both on
// ":0" ports, for end-to-end tests.
type world struct {
	t       *testing.T
	dir     string
	db      string
	w       *seed.World
	simnet  *SimnetCommand
	serve   *ServeCommand
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	termAdr string
	httpAdr string
	admin   string
	logs    *syncBuffer

	// The host runs on a context of its own so a test can restart it
	// (restartServe) on the same database.
	ctx         context.Context
	serveArgs   []string
	serveHook   func(*ServeCommand)
	serveCancel context.CancelFunc
	serveDone   chan struct{}
}

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

const worldFile = "../../seed/demo-world.yaml"

// startWorld seeds a database and starts simnet (with faults) and the host.
func startWorld(t *testing.T, faults string, upstreamTimeout time.Duration, serveArgs ...string) *world {
	t.Helper()
	return startWorldWith(t, nil, faults, upstreamTimeout, serveArgs...)
}

// startWorldWith is startWorld with hook called on the host's command
// before it runs (to set a clock).
func startWorldWith(t *testing.T, hook func(*ServeCommand), faults string, upstreamTimeout time.Duration, serveArgs ...string) *world {
	t.Helper()
	return startWorldOn(t, "", hook, faults, upstreamTimeout, serveArgs...)
}

// startWorldOn is startWorldWith on the database db (a temp SQLite database
// when empty), its host key in the test's folder.
func startWorldOn(t *testing.T, db string, hook func(*ServeCommand), faults string, upstreamTimeout time.Duration, serveArgs ...string) *world {
	t.Helper()
	dir := t.TempDir()
	wd := &world{t: t, dir: dir, db: "sqlite:" + filepath.Join(dir, "posguard.db"), logs: &syncBuffer{}}
	var keyArgs []string
	if db != "" {
		wd.db = db
		keyArgs = []string{"--host-key-file", filepath.Join(dir, "posguard.hostkey")}
	}
	var err error
	if wd.w, err = seed.ParseFile(worldFile); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	wd.cancel = cancel
	t.Cleanup(wd.stop)

	sd := &SeedCommand{Stdout: wd.logs, Stderr: wd.logs}
	if err := sd.ParseFlags(append(append([]string{"--db", wd.db}, keyArgs...), worldFile)); err != nil {
		t.Fatal(err)
	}
	if err := sd.Run(ctx); err != nil {
		t.Fatalf("seed: %v", err)
	}
	sd.Close()

	wd.simnet = &SimnetCommand{Stdout: wd.logs, Stderr: wd.logs, Ready: make(chan struct{})}
	args := []string{"--addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0", "--cards", worldFile, "--seed", "7", "--log-level", "warn"}
	if faults != "" {
		args = append(args, "--faults", faults)
	}
	if err := wd.simnet.ParseFlags(args); err != nil {
		t.Fatal(err)
	}
	wd.run(ctx, wd.simnet, wd.simnet.Ready)
	netAddr, admin := wd.simnet.Addrs()
	wd.admin = admin

	// "{admin}" in serveArgs stands for simnet's admin address.
	serveArgs = slices.Clone(serveArgs)
	for i := range serveArgs {
		serveArgs[i] = strings.ReplaceAll(serveArgs[i], "{admin}", admin)
	}
	wd.ctx = ctx
	wd.startServe(append(append([]string{"--db", wd.db, "--terminal-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0",
		"--network", "iso8583://" + netAddr, "--upstream-timeout", upstreamTimeout.String(), "--log-level", "warn"}, keyArgs...), serveArgs...), hook)
	return wd
}

// startServe starts the host with args (hook, if any, called before it
// runs) on a context of its own, and waits until it serves.
func (wd *world) startServe(args []string, hook func(*ServeCommand)) {
	wd.t.Helper()
	wd.serveArgs, wd.serveHook = args, hook
	wd.serve = &ServeCommand{Stdout: wd.logs, Stderr: wd.logs, Ready: make(chan struct{})}
	if err := wd.serve.ParseFlags(args); err != nil {
		wd.t.Fatal(err)
	}
	if hook != nil {
		hook(wd.serve)
	}
	ctx, cancel := context.WithCancel(wd.ctx)
	done := make(chan struct{})
	wd.serveCancel, wd.serveDone = cancel, done
	wd.runNotify(ctx, wd.serve, wd.serve.Ready, done)
	wd.termAdr, wd.httpAdr = wd.serve.Addrs()
}

// restartServe stops the host (it drains and closes its store) and starts
// a new one with the same arguments on the same database.
func (wd *world) restartServe() {
	wd.t.Helper()
	wd.serveCancel()
	<-wd.serveDone
	wd.startServe(wd.serveArgs, wd.serveHook)
}

// run starts cmd and waits until it is ready (or has failed).
func (wd *world) run(ctx context.Context, cmd Command, ready chan struct{}) {
	wd.t.Helper()
	wd.runNotify(ctx, cmd, ready, nil)
}

// runNotify is run closing done (if not nil) once cmd has ended and closed.
func (wd *world) runNotify(ctx context.Context, cmd Command, ready, done chan struct{}) {
	wd.t.Helper()
	errc := make(chan error, 1)
	wd.wg.Add(1)
	go func() {
		defer wd.wg.Done()
		err := cmd.Run(ctx)
		cmd.Close()
		if done != nil {
			close(done)
		}
		errc <- err
	}()
	select {
	case <-ready:
	case err := <-errc:
		wd.t.Fatalf("%T failed to start: %v\n%s", cmd, err, wd.logs.String())
	}
}

func (wd *world) stop() {
	wd.cancel()
	wd.wg.Wait()
}

// issuerTaken is, per masked PAN, what simnet's issuers took from each card.
func (wd *world) issuerTaken() map[string]posguard.Amount {
	out := map[string]posguard.Amount{}
	for _, c := range wd.w.Cards {
		out[c.PAN.String()] = wd.simnet.Net.Taken(c.PAN.Reveal())
	}
	return out
}

// checkMoney waits for the reversal queue to drain, then compares the
// issuers' money with the journal's, card by card.
func (wd *world) checkMoney(ctx context.Context) {
	wd.t.Helper()
	st := wd.serve.store
	deadline := time.Now().Add(30 * time.Second)
	for {
		fwd, rev, err := recon.Outstanding(ctx, st)
		if err != nil {
			wd.t.Fatal(err)
		}
		if fwd+rev == 0 {
			break
		}
		if time.Now().After(deadline) {
			wd.t.Fatalf("still outstanding: %d forwarded, %d reversals", fwd, rev)
		}
		time.Sleep(50 * time.Millisecond) // polling the queue the worker drains
	}
	journal, err := recon.JournalNet(ctx, st)
	if err != nil {
		wd.t.Fatal(err)
	}
	if mm := recon.Compare(wd.issuerTaken(), journal); len(mm) > 0 {
		for _, m := range mm {
			wd.t.Errorf("card %s: issuer took %d, journal says %d", m.PAN, m.Issuer, m.Journal)
		}
	}
	held, err := recon.JournalHeld(ctx, st)
	if err != nil {
		wd.t.Fatal(err)
	}
	issuerHeld := map[string]posguard.Amount{}
	for _, c := range wd.w.Cards {
		issuerHeld[c.PAN.String()] = wd.simnet.Net.Held(c.PAN.Reveal())
	}
	for _, m := range recon.CompareHeld(issuerHeld, held) {
		wd.t.Errorf("card %s: issuer holds %d, journal says %d", m.PAN, m.Issuer, m.Journal)
	}
}

// userToken adds a user through the CLI (posguard user add, while the host
// runs on the same database) and returns an API token for it from
// posguard token create.
func (wd *world) userToken(name string, role posguard.Role, mid string) string {
	wd.t.Helper()
	var key []string // PostgreSQL: the host key is in the test's folder
	if !strings.HasPrefix(wd.db, "sqlite:") {
		key = []string{"--host-key-file", filepath.Join(wd.dir, "posguard.hostkey")}
	}
	args := append([]string{"user", "add", "--db", wd.db, "--name", name, "--role", string(role)}, key...)
	if mid != "" {
		args = append(args, "--merchant", mid)
	}
	var out, errb bytes.Buffer
	if code := Main(context.Background(), args, &out, &errb); code != 0 {
		wd.t.Fatalf("user add %s: exit %d: %s", name, code, errb.String())
	}
	out.Reset()
	if code := Main(context.Background(), append([]string{"token", "create", "--db", wd.db, "--user", name, "--label", "test"}, key...), &out, &errb); code != 0 {
		wd.t.Fatalf("token create %s: exit %d: %s", name, code, errb.String())
	}
	return strings.TrimSpace(out.String())
}
