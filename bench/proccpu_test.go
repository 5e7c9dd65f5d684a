package bench

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

// TestParseProcStat reads utime and stime past a command name that holds
// spaces and parentheses.
func TestParseProcStat(t *testing.T) {
	line := "4242 (posguard (x) y) S 1 4242 4242 0 -1 4194560 100 0 0 0 1234 567 0 0 20 0 12 0 100 0 0\n"
	c, err := parseProcStat(line)
	if err != nil {
		t.Fatal(err)
	}
	if c.user != 12340*time.Millisecond || c.sys != 5670*time.Millisecond {
		t.Fatalf("user %v sys %v, want 12.34s and 5.67s", c.user, c.sys)
	}
	for _, bad := range []string{"", "4242 posguard S 1", "4242 (posguard) S 1 2 3", "4242 (p) S 1 2 3 4 5 6 7 8 9 10 x 5 6"} {
		if _, err := parseProcStat(bad); err == nil {
			t.Errorf("parseProcStat(%q) accepted", bad)
		}
	}
}

func TestParseWatch(t *testing.T) {
	w, err := ParseWatch("pg=12+34")
	if err != nil || w.Name != "pg" || len(w.PIDs) != 2 || w.PIDs[0] != 12 || w.PIDs[1] != 34 {
		t.Fatalf("ParseWatch(pg=12+34) = %+v, %v", w, err)
	}
	for _, bad := range []string{"serve", "=12", "serve=", "serve=x", "serve=0", "serve=12+"} {
		if _, err := ParseWatch(bad); err == nil {
			t.Errorf("ParseWatch(%q) accepted", bad)
		}
	}
}

// TestWatchedProcessesReported: a load run reports the CPU of the watched
// processes over its measured time (here this very process, which runs the
// host and the load), and names a process it could not read instead of
// reporting zero for it.
func TestWatchedProcessesReported(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a host")
	}
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc here")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	const gone = 1 << 30 // above any pid_max
	res, err := Run(ctx, Config{Terminals: 4, Cards: 10, Rate: 200, Duration: time.Second, NoEcho: true,
		Watch: []Watch{{Name: "self", PIDs: []int{os.Getpid()}}, {Name: "gone", PIDs: []int{gone}}}})
	if err != nil {
		t.Fatal(err)
	}
	ps := res.Posguard.Processes
	if len(ps) != 2 {
		t.Fatalf("processes %+v, want self and gone", ps)
	}
	self := ps[0]
	if self.Name != "self" || self.Error != "" || self.CPUUserSeconds+self.CPUSysSeconds <= 0 {
		t.Fatalf("self: %+v, want CPU time", self)
	}
	want := float64(time.Duration((self.CPUUserSeconds+self.CPUSysSeconds)*1e9).Microseconds()) / float64(res.Posguard.Count)
	if d := self.CPUPerTxnMicros - want; d > 1 || d < -1 {
		t.Fatalf("self: %.1f µs per request, want %.1f (CPU over %d requests)", self.CPUPerTxnMicros, want, res.Posguard.Count)
	}
	if g := ps[1]; g.Error == "" || g.CPUPerTxnMicros != 0 {
		t.Fatalf("gone: %+v, want an error and no figure", g)
	}
	var b strings.Builder
	res.Posguard.Print(&b)
	if !strings.Contains(b.String(), "CPU of self: ") || !strings.Contains(b.String(), "CPU of gone: not measured") {
		t.Fatalf("report lacks the watched processes:\n%s", b.String())
	}
}
