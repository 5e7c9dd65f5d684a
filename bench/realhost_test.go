package bench

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestRealhostScriptParses: bench/realhost.sh is valid bash, prints its
// usage on --help and refuses a call without its three arguments.
func TestRealhostScriptParses(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	if out, err := exec.Command("bash", "-n", "realhost.sh").CombinedOutput(); err != nil {
		t.Fatalf("bash -n realhost.sh: %v\n%s", err, out)
	}
	out, err := exec.Command("bash", "realhost.sh", "--help").Output()
	if err != nil || !strings.Contains(string(out), "usage: bench/realhost.sh") {
		t.Fatalf("realhost.sh --help: %v\n%s", err, out)
	}
	err = exec.Command("bash", "realhost.sh", "/bin/true").Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 {
		t.Fatalf("realhost.sh with one argument: %v, want exit status 2", err)
	}
}

// TestRealhostScriptRuns builds posguard and runs one short pair of the
// real host on SQLite (the build against itself): both runs must answer
// sales and report serve's and simnet's CPU per request; with the sqlite3
// command at hand, --ledger too: each run's ledger catches up with its
// journal and the whole job's CPU per sale is reported.
func TestRealhostScriptRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("builds posguard and runs it")
	}
	for _, tool := range []string{"bash", "jq", "curl", "ss", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("no %s", tool)
		}
	}
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc here")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "posguard")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/posguard").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out := filepath.Join(dir, "runs")
	args := []string{"realhost.sh", "--pairs", "1", "--terminals", "4", "--duration", "1s", "--warmup", "0.5s", "--out", out}
	_, err := exec.LookPath("sqlite3")
	ledger := err == nil
	if ledger {
		args = append(args, "--ledger")
	}
	cmd := exec.Command("bash", append(args, bin, bin, "sqlite")...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if b, err := cmd.Output(); err != nil {
		t.Fatalf("realhost.sh: %v\n%s\n%s", err, b, stderr.String())
	}
	b, err := os.ReadFile(filepath.Join(out, "summary.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 3 {
		t.Fatalf("summary has %d lines, want a header and two runs:\n%s", len(lines), b)
	}
	for _, l := range lines[1:] {
		f := strings.Split(l, "\t")
		if len(f) != 10 {
			t.Fatalf("summary line %q: %d fields, want 10", l, len(f))
		}
		rate, err1 := strconv.Atoi(f[2])
		serve, err2 := strconv.Atoi(f[4])
		simnet, err3 := strconv.Atoi(f[5])
		if err1 != nil || err2 != nil || err3 != nil || rate <= 0 || serve <= 0 || simnet <= 0 {
			t.Fatalf("summary line %q: want sales/s, serve's and simnet's CPU per request", l)
		}
		if !strings.HasPrefix(f[3], "00:") || strings.Contains(f[3], ",") {
			t.Fatalf("summary line %q: answers %q, want approvals only", l, f[3])
		}
	}
	if !ledger {
		t.Log("no sqlite3 command: --ledger not run")
		return
	}
	b, err = os.ReadFile(filepath.Join(out, "ledger.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	lines = strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 3 {
		t.Fatalf("ledger.tsv has %d lines, want a header and two runs:\n%s", len(lines), b)
	}
	for _, l := range lines[1:] {
		f := strings.Split(l, "\t")
		if len(f) != 7 {
			t.Fatalf("ledger line %q: %d fields, want 7", l, len(f))
		}
		sales, err1 := strconv.Atoi(f[2])
		posted, err2 := strconv.ParseFloat(f[3], 64)
		whole, err3 := strconv.Atoi(f[6])
		if err1 != nil || err2 != nil || err3 != nil || sales <= 0 || posted < 0 || posted > 100 || whole <= 0 {
			t.Fatalf("ledger line %q: want the sales, the share posted and the whole job's CPU per sale", l)
		}
		if f[5] != "yes" {
			t.Fatalf("ledger line %q: the poster did not catch up with the journal", l)
		}
	}
}
