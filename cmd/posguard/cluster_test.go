package main

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/iso8583"
	"github.com/posguard/posguard/postgres/pgtest"
)

// cluster is a simnet and several host instances (posguard serve, in
// process) on one PostgreSQL database.
type cluster struct {
	t      *testing.T
	db     string
	key    string
	net    string
	simnet *SimnetCommand
	hosts  []*clusterHost
	// args are more serve flags for every instance started after they are
	// set.
	args []string
	logs *syncBuffer
	wg   sync.WaitGroup
}

type clusterHost struct {
	serve  *ServeCommand
	cancel context.CancelFunc
	done   chan struct{}
	term   string
}

// startCluster seeds a fresh PostgreSQL schema with the demo world and
// starts simnet (with faults) and n instances named h0, h1… with short
// leases; args are more serve flags for every instance.
func startCluster(t *testing.T, n int, faults string, upstreamTimeout time.Duration, args ...string) *cluster {
	t.Helper()
	c := &cluster{t: t, db: pgtest.URL(t), key: filepath.Join(t.TempDir(), "posguard.hostkey"), logs: &syncBuffer{}, args: args}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() {
		for _, h := range c.hosts {
			h.stop()
		}
		cancel()
		c.wg.Wait()
	})
	sd := &SeedCommand{Stdout: c.logs, Stderr: c.logs}
	if err := sd.ParseFlags([]string{"--db", c.db, "--host-key-file", c.key, worldFile}); err != nil {
		t.Fatal(err)
	}
	if err := sd.Run(ctx); err != nil {
		t.Fatalf("seed: %v", err)
	}
	sd.Close()
	c.simnet = &SimnetCommand{Stdout: c.logs, Stderr: c.logs, Ready: make(chan struct{})}
	netArgs := []string{"--addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0", "--cards", worldFile, "--seed", "7", "--log-level", "warn"}
	if faults != "" {
		netArgs = append(netArgs, "--faults", faults)
	}
	if err := c.simnet.ParseFlags(netArgs); err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	c.wg.Add(1)
	go func() { defer c.wg.Done(); err := c.simnet.Run(ctx); c.simnet.Close(); errc <- err }()
	select {
	case <-c.simnet.Ready:
	case err := <-errc:
		t.Fatalf("simnet: %v", err)
	}
	c.net, _ = c.simnet.Addrs()
	for i := 0; i < n; i++ {
		c.start(i, upstreamTimeout)
	}
	return c
}

// start runs instance i.
func (c *cluster) start(i int, upstreamTimeout time.Duration) *clusterHost {
	c.t.Helper()
	sv := &ServeCommand{Stdout: c.logs, Stderr: c.logs, Ready: make(chan struct{})}
	if err := sv.ParseFlags(append([]string{"--db", c.db, "--host-key-file", c.key, "--terminal-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0",
		"--network", "iso8583://" + c.net, "--upstream-timeout", upstreamTimeout.String(), "--log-level", "warn",
		"--instance", fmt.Sprint("h", i), "--lease-ttl", "900ms", "--reversal-lease", "12s"}, c.args...)); err != nil {
		c.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h := &clusterHost{serve: sv, cancel: cancel, done: make(chan struct{})}
	errc := make(chan error, 1)
	go func() { defer close(h.done); err := sv.Run(ctx); sv.Close(); errc <- err }()
	select {
	case <-sv.Ready:
	case err := <-errc:
		c.t.Fatalf("instance h%d: %v\n%s", i, err, c.logs.String())
	}
	h.term, _ = sv.Addrs()
	if i < len(c.hosts) {
		c.hosts[i] = h
	} else {
		c.hosts = append(c.hosts, h)
	}
	return h
}

func (h *clusterHost) stop() {
	h.cancel()
	<-h.done
}

// moveTo reconnects the terminal to addr, keeping its keys, batch and STAN.
func (r *rawTerm) moveTo(t *testing.T, addr string) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if r.conn != nil {
		r.conn.Close()
	}
	r.conn = c
}

// TestClusterTerminalsMoveBetweenInstances: a terminal signed on at one
// instance transacts at another (sign-on state and keys come from the
// database), signs on again there and comes back; RRNs stay unique across
// instances started at the same journal; a retransmission that reaches
// another instance while the original is in flight gets the original's
// answer and the card is debited once; a batch sold at both settles
// balanced at one, and the other takes the next batch; singleton jobs move
// when their leader stops.
func TestClusterTerminalsMoveBetweenInstances(t *testing.T) {
	c := startCluster(t, 2, "latency=1ms-3ms", 3*time.Second)
	a, b := c.hosts[0], c.hosts[1]
	ctx := context.Background()

	term := dialRaw(t, b.term, shopTID, shopMID, shopTMK, "003", "cups-ecb")
	// h1 caches the terminal as not signed on (a settlement before any
	// sign-on is refused at the sign-on gate).
	if m := term.send(term.settle(posguard.BatchTotals{}), false); m == nil || m.Get(39) == "00" {
		t.Fatalf("settlement before sign-on: %v", m)
	}
	term.moveTo(t, a.term)
	if code := term.signOn(); code != "00" {
		t.Fatalf("sign-on at h0: %s", code)
	}
	rrns := map[string]string{}
	sale := func(where string, amount posguard.Amount) {
		t.Helper()
		m := term.send(term.sale(goodCard, goodExp, "123456", amount), true)
		if m == nil || m.Get(39) != "00" {
			t.Fatalf("sale at %s: %v", where, m)
		}
		if prev, dup := rrns[m.Get(37)]; dup {
			t.Fatalf("RRN %s given at %s and again at %s", m.Get(37), prev, where)
		}
		rrns[m.Get(37)] = where
	}
	sale("h0", 101)
	term.moveTo(t, b.term)
	sale("h1", 102) // h1 remembered the terminal unsigned: it reads it again
	if code := term.signOn(); code != "00" {
		t.Fatalf("sign-on at h1: %s", code)
	}
	term.moveTo(t, a.term)
	sale("h0", 103) // h0 remembered the old keys
	for i := 0; i < 10; i++ {
		if i%2 == 0 {
			term.moveTo(t, b.term)
			sale("h1", posguard.Amount(110+i))
		} else {
			term.moveTo(t, a.term)
			sale("h0", posguard.Amount(110+i))
		}
	}

	// A retransmission at h1 while the original waits at h0.
	if err := c.simnet.Net.SetFaults("latency=1500ms"); err != nil {
		t.Fatal(err)
	}
	before := c.simnet.Net.Taken(goodCard.Reveal())
	twin := *term
	twin.conn = nil
	twin.moveTo(t, b.term)
	slow := term.sale(goodCard, goodExp, "123456", 777)
	frameA := frame(term.pack(slow.Clone(), true))
	var first, second *iso8583.Message
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); first = term.roundTrip(frameA) }()
	// The retransmission follows once the original is journaled at h0.
	key := posguard.TxnKey{TerminalID: shopTID, Batch: term.batch, STAN: slow.Get(11), MTI: "0200"}
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := a.serve.store.ByKey(ctx, key); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the original was not journaled at h0")
		}
		time.Sleep(5 * time.Millisecond) // polling the journal
	}
	second = twin.roundTrip(frameA)
	wg.Wait()
	if first == nil || second == nil || first.Get(39) != "00" || second.Get(39) != "00" || first.Get(37) != second.Get(37) || first.Get(38) != second.Get(38) {
		t.Fatalf("original %v, retransmission elsewhere %v: want the same approval", first, second)
	}
	if got := c.simnet.Net.Taken(goodCard.Reveal()) - before; got != 777 {
		t.Fatalf("issuer took %d for a sale and its retransmission, want 777", got)
	}

	// The batch, sold at both instances, settles balanced at h1; h0, which
	// remembers the old batch, takes the next one's sales.
	term.moveTo(t, b.term)
	st := term.send(term.settle(posguard.BatchTotals{DomesticDebitAmount: 101 + 102 + 103 + 1145 + 777, DomesticDebitCount: 14}), true)
	if st == nil || st.Get(39) != "00" || len(st.Get(48)) < 31 || st.Get(48)[30] != '1' {
		t.Fatalf("settlement at h1 of a batch sold at both: %v", st)
	}
	term.batch = posguard.NextBatch(term.batch)
	term.moveTo(t, a.term)
	sale("h0", 130)

	// Singleton jobs: exactly one instance leads each; when it stops, the
	// other takes over.
	leader := func() (lead, other *clusterHost) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			la, lb := a.serve.host.Elector.Leading("ledger-poster"), b.serve.host.Elector.Leading("ledger-poster")
			switch {
			case la && !lb:
				return a, b
			case lb && !la:
				return b, a
			}
			time.Sleep(10 * time.Millisecond) // polling the electors
		}
		t.Fatal("no single leader of the ledger poster")
		return nil, nil
	}
	lead, other := leader()
	stopped := time.Now()
	lead.stop()
	for !other.serve.host.Elector.Leading("ledger-poster") {
		if time.Since(stopped) > 10*time.Second {
			t.Fatal("the ledger poster did not move to the other instance")
		}
		time.Sleep(10 * time.Millisecond) // polling the elector
	}
	t.Logf("ledger poster moved to the other instance %s after its leader stopped", time.Since(stopped).Round(time.Millisecond))
	// /healthz says which instance answers and what it leads.
	_, httpAddr := other.serve.Addrs()
	var health map[string]string
	if err := getJSON("http://"+httpAddr+"/healthz", &health); err != nil {
		t.Fatal(err)
	}
	if health["instance"] != other.serve.Instance || !strings.Contains(health["leads"], "ledger-poster") {
		t.Fatalf("/healthz %v: want instance %s leading ledger-poster", health, other.serve.Instance)
	}
	_ = ctx
}
