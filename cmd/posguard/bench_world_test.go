package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/posguard/posguard/bench"
	"github.com/posguard/posguard/seed"
)

// TestBenchWritesWorld: bench --write-world writes the bench world of
// --terminals and --cards, which seed and simnet read back.
func TestBenchWritesWorld(t *testing.T) {
	path := filepath.Join(t.TempDir(), "world.yaml")
	if code, _, errs := run(t, "bench", "--terminals", "3", "--cards", "5", "--write-world", path); code != 0 {
		t.Fatalf("bench --write-world: exit %d: %s", code, errs)
	}
	w, err := seed.ParseFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Terminals) != 3 || len(w.Cards) != 5 || w.Acquirer.ID != bench.AcquirerID || len(w.Acquirer.ZonePINKey) != 16 {
		t.Fatalf("world: %d terminals, %d cards, acquirer %q, zone key %d bytes", len(w.Terminals), len(w.Cards), w.Acquirer.ID, len(w.Acquirer.ZonePINKey))
	}
	if code, _, errs := run(t, "seed", "--db", "sqlite:"+filepath.Join(t.TempDir(), "p.db"), path); code != 0 {
		t.Fatalf("seed of the written world: exit %d: %s", code, errs)
	}
}

func TestBenchRefusesBadWatch(t *testing.T) {
	code, _, errs := run(t, "bench", "--watch", "serve=abc")
	if code == 0 || !strings.Contains(errs, "--watch") {
		t.Fatalf("bench --watch serve=abc: exit %d: %s", code, errs)
	}
}

// TestBenchRefusesBadCapacityFlags: a capacity sweep needs a first rate,
// and its step, limit and latency bound must make sense; each is refused
// with the flag named before anything starts.
func TestBenchRefusesBadCapacityFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--capacity"}, "--capacity needs --rate"},
		{[]string{"--capacity", "--rate", "100", "--rate-step", "-5"}, "--rate-step"},
		{[]string{"--mode", "qr", "--capacity", "--rate", "100", "--rate-max", "-1"}, "--rate-max"},
		{[]string{"--capacity", "--rate", "100", "--max-p99", "0s"}, "--max-p99"},
	} {
		code, _, errs := run(t, append([]string{"bench"}, tc.args...)...)
		if code == 0 || !strings.Contains(errs, tc.want) {
			t.Errorf("bench %v: exit %d: %s (want %q)", tc.args, code, errs, tc.want)
		}
	}
}
