package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/posguard/posguard/network"
)

// run runs posguard with args and returns the exit code, stdout and stderr.
func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

// seeded returns a SQLite DSN of a database loaded with the demo world.
func seeded(t *testing.T) string {
	t.Helper()
	db := "sqlite:" + filepath.Join(t.TempDir(), "posguard.db")
	if code, _, errs := run(t, "seed", "--db", db, worldFile); code != 0 {
		t.Fatalf("seed: exit %d: %s", code, errs)
	}
	return db
}

func TestExplainBothLanguagesByDefault(t *testing.T) {
	code, out, _ := run(t, "explain", "51")
	if code != 0 || !strings.Contains(out, "可用余额不足") || !strings.Contains(out, "Insufficient funds") {
		t.Fatalf("explain 51: exit %d:\n%s", code, out)
	}
	if code, out, _ := run(t, "explain", "--lang", "en", "51"); code != 0 || strings.Contains(out, "可用余额不足") {
		t.Fatalf("explain --lang en: exit %d:\n%s", code, out)
	}
	if code, _, errs := run(t, "explain", "--lang", "xx", "51"); code == 0 || !strings.Contains(errs, "--lang") {
		t.Fatalf("explain --lang xx: exit %d: %s", code, errs)
	}
}

// TestMistypedDBCreatesNothing: every command but serve, demo and seed
// refuses a database that is not there, and creates no folder, database or
// host key.
func TestMistypedDBCreatesNothing(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "typo", "posguard.db")
	for _, args := range [][]string{
		{"settle", "--db", "sqlite:" + missing, "--date", "2026-03-01"},
		{"settle", "--db", "sqlite:" + missing, "--d0", "--merchant", "898310048990001"},
		{"statement", "--db", "sqlite:" + missing, "--merchant", "898310048990001", "--from", "2026-03-01", "--to", "2026-03-01"},
		{"migrate", "--db", "sqlite:" + missing},
	} {
		code, _, errs := run(t, args...)
		if code == 0 || !strings.Contains(errs, "no database: "+missing+" does not exist") {
			t.Errorf("%s: exit %d: %s", args[0], code, errs)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "typo")); !os.IsNotExist(err) {
		t.Fatalf("a folder was created: %v", err)
	}
	// A database without its host key is refused too, and no key is made.
	db := filepath.Join(dir, "p.db")
	if err := os.WriteFile(db, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := run(t, "migrate", "--db", "sqlite:"+db); code == 0 || !strings.Contains(errs, "no host key: "+db+".hostkey does not exist") {
		t.Fatalf("missing host key: exit %d: %s", code, errs)
	}
	if _, err := os.Stat(db + ".hostkey"); !os.IsNotExist(err) {
		t.Fatalf("a host key was created: %v", err)
	}
}

func TestSettleRefusesAnOpenDay(t *testing.T) {
	db := seeded(t)
	utc8 := time.FixedZone("UTC+8", 8*3600)
	now := time.Date(2026, 3, 2, 15, 0, 0, 0, utc8) // 2 March, before the 23:00 cut-off
	parse := func(args ...string) error {
		c := &SettleCommand{Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}, Now: func() time.Time { return now }}
		return c.ParseFlags(append([]string{"--db", db}, args...))
	}
	for _, c := range []struct {
		date, want string
	}{
		{"2026-03-03", "future"},
		{"2026-03-02", "still open"},
	} {
		if err := parse("--date", c.date); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("--date %s at %s: %v, want %q", c.date, now, err, c.want)
		}
	}
	if err := parse("--date", "2026-03-01"); err != nil {
		t.Errorf("yesterday: %v", err)
	}
	now = time.Date(2026, 3, 2, 23, 0, 0, 0, utc8) // the cut-off: the day is closed
	if err := parse("--date", "2026-03-02"); err != nil {
		t.Errorf("today after the cut-off: %v", err)
	}
	if err := parse("--date", "2026-03-02", "--cutoff", "23:30"); err == nil {
		t.Errorf("today before a later cut-off accepted")
	}
}

func TestHelpOnStdout(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"help"}, {"settle", "--help"}, {"serve", "-h"}, {"help", "demo"}} {
		code, out, errs := run(t, args...)
		if code != 0 || !strings.Contains(out, "usage: posguard") || errs != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out, errs)
		}
	}
	if code, out, errs := run(t, "settle", "--no-such-flag"); code != 2 || out != "" || !strings.Contains(errs, "usage") {
		t.Errorf("bad flag: exit %d, stdout %q, stderr %q", code, out, errs)
	}
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		code, out, _ := run(t, args...)
		if code != 0 || !strings.HasPrefix(out, "posguard ") || !strings.Contains(out, "go1.") {
			t.Errorf("%v: exit %d: %q", args, code, out)
		}
	}
}

func TestLogFormatJSON(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "posguard.db")
	code, _, errs := run(t, "seed", "--log-format", "json", "--db", db, worldFile)
	if code != 0 {
		t.Fatalf("seed: exit %d: %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(errs), "\n")
	for _, l := range lines {
		var v map[string]any
		if err := json.Unmarshal([]byte(l), &v); err != nil || v["msg"] == nil || v["level"] == nil {
			t.Fatalf("not a JSON log line: %q (%v)", l, err)
		}
	}
	if !strings.Contains(errs, "host key") {
		t.Fatalf("no log line about the new host key: %s", errs)
	}
	if code, _, errs := run(t, "seed", "--log-format", "xml", "--db", db, worldFile); code != 2 || !strings.Contains(errs, "--log-format") {
		t.Fatalf("--log-format xml: exit %d: %s", code, errs)
	}
}

// TestConfigDatesUnquoted: a YAML config file may write a date as YAML
// does, without quotes.
func TestConfigDatesUnquoted(t *testing.T) {
	db := seeded(t)
	cfg := filepath.Join(t.TempDir(), "settle.yaml")
	if err := os.WriteFile(cfg, []byte("date: 2026-03-01\ncutoff: 23:00\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c := &SettleCommand{Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}}
	if err := c.ParseFlags([]string{"--db", db, "--config", cfg}); err != nil || c.Date != "2026-03-01" || c.Cutoff != "23:00" {
		t.Fatalf("config: %v, date %q cutoff %q", err, c.Date, c.Cutoff)
	}
}

// TestServeEchoCarriesAcquirerID: the echo test serve sends on its network
// link carries field 32, the acquirer id the database was seeded with.
func TestServeEchoCarriesAcquirerID(t *testing.T) {
	db := seeded(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	sv := &ServeCommand{Stdout: &bytes.Buffer{}, Stderr: &syncBuffer{}, Ready: make(chan struct{})}
	if err := sv.ParseFlags([]string{"--db", db, "--terminal-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0",
		"--network", "iso8583://" + ln.Addr().String(), "--upstream-conns", "1", "--echo-interval", "10ms"}); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- sv.Run(ctx); sv.Close() }()
	defer func() { cancel(); <-done }()
	conn, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	frame, err := network.ReadFrame(conn)
	if err != nil {
		t.Fatal(err)
	}
	m, err := network.Spec87.Unpack(frame)
	if err != nil {
		t.Fatal(err)
	}
	if m.MTI != "0800" || m.Get(70) != network.NetMgmtEcho {
		t.Fatalf("first message %s 70=%q, want an 0800 echo", m.MTI, m.Get(70))
	}
	if got := m.Get(32); got != "48021000" {
		t.Fatalf("echo field 32 = %q, want the acquirer id 48021000", got)
	}
}

// settleAsClosed runs posguard settle for date as if its business day had
// closed (two days later on the clock): tests settle the day their sales
// fall on, which the real clock still has open. It returns the exit code.
func settleAsClosed(ctx context.Context, db, date string, out, errb *bytes.Buffer) int {
	c := &SettleCommand{Stdout: out, Stderr: errb, Now: func() time.Time { return time.Now().Add(48 * time.Hour) }}
	if err := c.ParseFlags([]string{"--db", db, "--date", date}); err != nil {
		fmt.Fprintln(errb, err)
		return 2
	}
	err := c.Run(ctx)
	if cerr := c.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		fmt.Fprintln(errb, err)
		return 1
	}
	return 0
}

// TestDemoSettlesWhenItStops: when the demo stops (Ctrl-C or --duration:
// the same path) it settles its business day, pays the payouts at the
// simulated bank and says so, as its banner promises.
func TestDemoSettlesWhenItStops(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the demo for a few seconds")
	}
	dir := t.TempDir()
	code, out, errs := run(t, "demo", "--dir", dir, "--duration", "2s", "--rate", "40", "--terminals", "4",
		"--http-addr", "127.0.0.1:0", "--every", "1h")
	if code != 0 {
		t.Fatalf("demo: exit %d\n%s\n%s", code, out, errs)
	}
	if !strings.Contains(out, "Ctrl-C stops the fleet") || !strings.Contains(out, "settles the business day") {
		t.Fatalf("banner does not say what stopping does:\n%s", out)
	}
	if !strings.Contains(out, "settled business day") || !strings.Contains(out, "payouts at the simulated bank") {
		t.Fatalf("demo did not settle when it stopped:\n%s", out)
	}
	// Its reconciliation holds the wallet channel's bills of the QR
	// merchants beside the clearing file, without an exception.
	bills := 0
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "QR bill ") {
			bills++
			if !strings.HasSuffix(l, " 0 exceptions") {
				t.Errorf("QR bill with exceptions: %s", l)
			}
		}
	}
	if bills == 0 {
		t.Errorf("the demo's reconciliation has no QR bill:\n%s", out)
	}
	st, _, err := openStore(context.Background(), "sqlite:"+filepath.Join(dir, "posguard.db"), "", false, newLogger(io.Discard, "error", "text"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	bs, err := st.Money().Batches(context.Background(), "", "", "")
	if err != nil || len(bs) == 0 {
		t.Fatalf("settlement batches after the demo: %d (%v)", len(bs), err)
	}
}
