package main

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/posguard/posguard/postgres/pgtest"
)

// TestChaos is the short chaos run of CI: real processes (posguard simnet,
// serve and sim built from this tree), a fault mix, the host killed with
// SIGKILL twice mid-traffic, then card-by-card money and a drained queue.
func TestChaos(t *testing.T) {
	if testing.Short() {
		t.Skip("chaos run skipped in -short mode")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go tool not on PATH: cannot build the binary for the chaos run")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "posguard")
	build := exec.Command(goBin, "build", "-o", bin, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		t.Fatalf("build: %v", err)
	}
	c := &ChaosCommand{Stdout: io.Discard, Stderr: io.Discard}
	if err := c.ParseFlags([]string{"--bin", bin, "--dir", filepath.Join(dir, "run"), "--duration", "12s", "--kills", "2",
		"--rate", "60", "--terminals", "6", "--seed", "3", "--drain-limit", "60s"}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := c.Run(ctx); err != nil {
		for _, name := range []string{"serve", "simnet", "sim"} {
			if b, err := os.ReadFile(filepath.Join(dir, "run", name+".log")); err == nil && len(b) > 0 {
				t.Logf("%s.log (tail):\n%s", name, tail(b, 2000))
			}
		}
		t.Fatalf("chaos: %v", err)
	}
	r := c.Report
	t.Logf("chaos: %d transactions (%d approved), %d kills, faults %v, %d reversals acknowledged, drained %.1fs after healing",
		r.Transactions, r.Approved, r.Kills, r.FaultsInjected, r.ReversalsDone, r.DrainSeconds)
	if r.Kills != 2 || r.Transactions < 100 || r.Approved == 0 {
		t.Fatalf("the run did too little to prove anything: %+v", r)
	}
	if r.FaultsInjected["timeout"]+r.FaultsInjected["drop_after_approve"]+r.FaultsInjected["outage"] == 0 {
		t.Fatalf("no faults were injected: %v", r.FaultsInjected)
	}
	if r.ReconDates == 0 || r.ReconLines == 0 || len(r.ReconExceptions) != 0 {
		t.Fatalf("reconciliation of the run's days: %d dates, %d lines, exceptions %v", r.ReconDates, r.ReconLines, r.ReconExceptions)
	}
	if len(r.Mismatches) != 0 || r.ReversalsPending != 0 || r.LeftForwarded != 0 || r.Unexplained != 0 {
		t.Fatalf("money or queue: %+v", r)
	}
	if r.DrainSeconds > 60 {
		t.Fatalf("queue drained %.1fs after the network healed, want within 60s", r.DrainSeconds)
	}
}

// TestChaosCluster is the short cluster chaos run of CI: three instances
// of posguard serve on one PostgreSQL database, the terminal fleet spread
// over them, instances killed with SIGKILL at random under faults and
// restarted; then card-by-card money, no reversal sent twice upstream for
// one transaction, nothing abandoned.
func TestChaosCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("chaos run skipped in -short mode")
	}
	db := pgtest.URL(t)
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go tool not on PATH: cannot build the binary for the chaos run")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "posguard")
	build := exec.Command(goBin, "build", "-o", bin, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		t.Fatalf("build: %v", err)
	}
	c := &ChaosCommand{Stdout: io.Discard, Stderr: io.Discard}
	if err := c.ParseFlags([]string{"--bin", bin, "--dir", filepath.Join(dir, "run"), "--instances", "3", "--postgres", db,
		"--duration", "20s", "--kills", "3", "--rate", "40", "--terminals", "9", "--seed", "5", "--drain-limit", "90s"}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	if err := c.Run(ctx); err != nil {
		for _, name := range []string{"serve-0", "serve-1", "serve-2", "simnet", "sim"} {
			if b, err := os.ReadFile(filepath.Join(dir, "run", name+".log")); err == nil && len(b) > 0 {
				t.Logf("%s.log (tail):\n%s", name, tail(b, 2000))
			}
		}
		t.Fatalf("cluster chaos: %v", err)
	}
	r := c.Report
	t.Logf("cluster chaos: %d transactions (%d approved), %d kills, faults %v, %d reversed, %d resent, drained %.1fs after healing",
		r.Transactions, r.Approved, r.Kills, r.FaultsInjected, r.ReversalsDone, r.ReversalsResent, r.DrainSeconds)
	if r.Instances != 3 || r.Kills != 3 || r.Transactions < 100 || r.Approved == 0 {
		t.Fatalf("the run did too little to prove anything: %+v", r)
	}
	if len(r.Mismatches) != 0 || r.ReversalsResent != 0 || r.Abandoned != 0 || r.Unexplained != 0 || len(r.ReconExceptions) != 0 {
		t.Fatalf("money, reversals or queue: %+v", r)
	}
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// TestChaosRefusesARealDatabase: a cluster chaos run needs --postgres, and
// refuses a database that already holds transactions.
func TestChaosRefusesARealDatabase(t *testing.T) {
	c := &ChaosCommand{Stdout: io.Discard, Stderr: io.Discard}
	if err := c.ParseFlags([]string{"--instances", "3"}); err == nil || !strings.Contains(err.Error(), "--postgres") {
		t.Fatalf("--instances 3 without --postgres: %v", err)
	}
	db := pgtest.URL(t)
	ctx := context.Background()
	if err := scratchOnly(ctx, db); err != nil {
		t.Fatalf("empty schema refused: %v", err)
	}
	conn, err := pgx.Connect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE TABLE transactions (id bigint); INSERT INTO transactions VALUES (1)`); err != nil {
		t.Fatal(err)
	}
	if err := scratchOnly(ctx, db); err == nil || !strings.Contains(err.Error(), "already holds transactions") {
		t.Fatalf("database with transactions: %v", err)
	}
}

// TestChaosQR is the short QR chaos run: simwallet with every channel
// fault (lost and duplicated payment notifications included), the
// merchants' notify_url server refusing some deliveries, QR orders of every
// payer behaviour, the host killed once; at the end no order is paying, the
// money the channel holds equals what posguard says, order by order and
// payer by payer (spec/wallet-channel.md §3.8), and every final order and
// refund has a verified notification of its final state (§4.5).
func TestChaosQR(t *testing.T) {
	if testing.Short() {
		t.Skip("chaos run skipped in -short mode")
	}
	bin := chaosBinary(t)
	dir := t.TempDir()
	c := &ChaosCommand{Stdout: io.Discard, Stderr: io.Discard}
	if err := c.ParseFlags([]string{"--qr", "--bin", bin, "--dir", filepath.Join(dir, "run"), "--duration", "16s", "--kills", "1",
		"--rate", "10", "--seed", "3", "--drain-limit", "90s", "--notify-faults", "fail=0.15,close=0.1,timeout=0.02,hold=11s"}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := c.Run(ctx); err != nil {
		chaosLogs(t, filepath.Join(dir, "run"), "serve", "simwallet")
		t.Fatalf("chaos --qr: %v", err)
	}
	r := c.QRReport
	t.Logf("chaos --qr: %+v", r)
	if r.Kills != 1 || r.Orders < 50 || r.Succeeded == 0 || r.Reversed == 0 || r.Charges == 0 || r.Payers != len(qrPayers) {
		t.Fatalf("the run did too little to prove anything: %+v", r)
	}
	if r.FaultsInjected["timeout"]+r.FaultsInjected["drop_after_charge"]+r.FaultsInjected["bad_signature"] == 0 {
		t.Fatalf("no faults were injected: %v", r.FaultsInjected)
	}
	if len(r.Mismatches) != 0 || r.LeftPaying != 0 || r.RefundsProcessing != 0 {
		t.Fatalf("money or queues: %+v", r)
	}
	checkChaosNotify(t, r)
}

// checkChaosNotify fails unless every final order and refund of the run
// was notified, verified, and the receiver's faults were exercised.
func checkChaosNotify(t *testing.T, r ChaosQRReport) {
	t.Helper()
	n := r.Notify
	if len(n.Undelivered) != 0 || n.Pending != 0 || n.Unverified != 0 || len(n.Conflicts) != 0 {
		t.Fatalf("merchant notifications: undelivered %v, pending %d, unverified %d, conflicts %v", n.Undelivered, n.Pending, n.Unverified, n.Conflicts)
	}
	if n.Orders != r.Orders || n.Refunds == 0 && r.Refunds > 0 {
		t.Fatalf("notified %d of %d orders, %d refunds (%d made)", n.Orders, r.Orders, n.Refunds, r.Refunds)
	}
	if n.Failed500+n.Closed == 0 || n.Duplicates == 0 || n.Accepted < n.Orders {
		t.Fatalf("the merchant receiver's faults were not exercised: %+v", n)
	}
}

// TestChaosQRCluster is the short multi-instance QR chaos run: three
// instances of posguard serve on one PostgreSQL database, orders spread
// over them, instances killed with SIGKILL (the qr-queues leader every
// other time, down past its lease so another instance takes the queues
// over); then the same checks as TestChaosQR.
func TestChaosQRCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("chaos run skipped in -short mode")
	}
	db := pgtest.URL(t)
	bin := chaosBinary(t)
	dir := t.TempDir()
	c := &ChaosCommand{Stdout: io.Discard, Stderr: io.Discard}
	if err := c.ParseFlags([]string{"--qr", "--instances", "3", "--postgres", db, "--bin", bin, "--dir", filepath.Join(dir, "run"),
		"--duration", "24s", "--kills", "3", "--rate", "10", "--seed", "4", "--drain-limit", "120s"}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	if err := c.Run(ctx); err != nil {
		chaosLogs(t, filepath.Join(dir, "run"), "serve-0", "serve-1", "serve-2", "simwallet")
		t.Fatalf("chaos --qr --instances 3: %v", err)
	}
	r := c.QRReport
	t.Logf("chaos --qr --instances 3: %+v", r)
	if r.Instances != 3 || r.Kills != 3 || r.LeaderKills == 0 || r.Handovers == 0 || r.Orders < 50 || r.Succeeded == 0 || r.Payers != len(qrPayers) {
		t.Fatalf("the run did too little to prove anything: %+v", r)
	}
	if len(r.Mismatches) != 0 || r.LeftPaying != 0 || r.RefundsProcessing != 0 {
		t.Fatalf("money or queues: %+v", r)
	}
	checkChaosNotify(t, r)
}

// chaosBinary builds posguard from this tree for a chaos run.
func chaosBinary(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go tool not on PATH: cannot build the binary for the chaos run")
	}
	bin := filepath.Join(t.TempDir(), "posguard")
	build := exec.Command(goBin, "build", "-o", bin, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		t.Fatalf("build: %v", err)
	}
	return bin
}

// chaosLogs logs the tails of a run's process logs.
func chaosLogs(t *testing.T, dir string, names ...string) {
	for _, name := range names {
		if b, err := os.ReadFile(filepath.Join(dir, name+".log")); err == nil && len(b) > 0 {
			t.Logf("%s.log (tail):\n%s", name, tail(b, 2000))
		}
	}
}
