package main

import (
	"bytes"
	"context"
	"database/sql"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runMain runs posguard with args and returns the exit code, stdout and
// stderr.
func runMain(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

// TestVerifyDemoDatabase runs the demo, verifies its database (OK), then
// edits one ledger row by hand in a copy and verifies again: the break is
// named and the exit code is 1.
func TestVerifyDemoDatabase(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the demo for a few seconds")
	}
	dir := t.TempDir()
	code, out, errs := runMain(t, "demo", "--dir", dir, "--duration", "3s", "--rate", "40", "--terminals", "4",
		"--http-addr", "127.0.0.1:0", "--every", "1h")
	if code != 0 {
		t.Fatalf("demo: exit %d\n%s\n%s", code, out, errs)
	}
	db := filepath.Join(dir, "posguard.db")

	code, out, errs = runMain(t, "verify", "--db", "sqlite:"+db)
	if code != 0 || !strings.Contains(out, "verdict: OK") {
		t.Fatalf("verify after the demo: exit %d\n%s\n%s", code, out, errs)
	}
	if strings.Contains(out, "ledger:  0 postings") || strings.Contains(out, "journal: 0 transactions") {
		t.Fatalf("verify checked nothing:\n%s", out)
	}

	// A copy with one ledger row edited by hand (the append-only trigger
	// dropped first, as someone editing the file would).
	edited := filepath.Join(t.TempDir(), "edited.db")
	copyFile(t, db, edited)
	conn, err := sql.Open("sqlite", edited)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`DROP TRIGGER ledger_postings_no_update`,
		`UPDATE ledger_postings SET gross = gross + 100 WHERE seq = 2`,
	} {
		if _, err := conn.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	conn.Close()
	code, out, errs = runMain(t, "verify", "--db", "sqlite:"+edited)
	if code != 1 {
		t.Fatalf("verify of the edited copy: exit %d, want 1\n%s\n%s", code, out, errs)
	}
	const want = "ledger: posting 2: content does not match its hash"
	if !strings.Contains(out, "verdict: BROKEN") || !strings.Contains(out, want) || !strings.Contains(errs, want) {
		t.Fatalf("the break is not named (want %q)\nstdout:\n%s\nstderr:\n%s", want, out, errs)
	}
}

// TestVerifyCreatesNothing: a missing database is an error, and neither
// the file, its folder nor a host key appear.
func TestVerifyCreatesNothing(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "no", "such.db")
	code, out, errs := runMain(t, "verify", "--db", "sqlite:"+missing)
	if code == 0 || !strings.Contains(errs, "no such database") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 0 {
		t.Fatalf("verify created %s", entries[0].Name())
	}
}

func TestVerifyHelpAndFlags(t *testing.T) {
	code, out, errs := runMain(t, "verify", "--help")
	if code != 0 || !strings.Contains(out, "usage: posguard verify") || errs != "" {
		t.Fatalf("--help: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
	if code, _, errs := runMain(t, "verify", "--grace", "-1s"); code != 2 || !strings.Contains(errs, "negative") {
		t.Fatalf("negative grace: exit %d: %s", code, errs)
	}
	// The environment sets a flag like every other command's.
	t.Setenv("POSGUARD_DB", "sqlite:"+filepath.Join(t.TempDir(), "env.db"))
	if code, _, errs := runMain(t, "verify"); code != 1 || !strings.Contains(errs, "env.db") {
		t.Fatalf("POSGUARD_DB: exit %d: %s", code, errs)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	for _, suffix := range []string{"", "-wal"} {
		src, err := os.Open(from + suffix)
		if os.IsNotExist(err) && suffix != "" {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		dst, err := os.Create(to + suffix)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(dst, src); err != nil {
			t.Fatal(err)
		}
		src.Close()
		if err := dst.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
