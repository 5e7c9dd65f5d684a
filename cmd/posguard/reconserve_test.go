package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/posguard/posguard/recon"
	"github.com/posguard/posguard/sqlite"
	"github.com/posguard/posguard/storetest"
)

// TestClearingDirWatcher: a clearing file arriving in --clearing-dir is
// reconciled for the date its name says, once; a corrected file (new bytes)
// is reconciled again and supersedes the first run; other files are left
// alone.
func TestClearingDirWatcher(t *testing.T) {
	dir := t.TempDir()
	st, err := sqlite.Open(filepath.Join(dir, "p.db"), storetest.NewSealer())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	in := filepath.Join(dir, "in")
	os.Mkdir(in, 0o755)
	w := &clearingWatcher{Dir: in, Recon: &recon.Reconciler{Store: st.Recon()}, Log: slog.New(slog.DiscardHandler)}
	ctx := context.Background()
	if reps := w.Scan(ctx); len(reps) != 0 {
		t.Fatalf("empty dir: %d runs", len(reps))
	}
	os.WriteFile(filepath.Join(in, "notes.txt"), []byte("x"), 0o644)
	os.WriteFile(filepath.Join(in, "IND26112301ACOM"), nil, 0o644)
	reps := w.Scan(ctx)
	if len(reps) != 1 || reps[0].Date != "2026-11-23" {
		t.Fatalf("first scan: %+v", reps)
	}
	first := reps[0].RunID
	if again := w.Scan(ctx); len(again) != 0 {
		t.Fatalf("unchanged file reconciled again: %d", len(again))
	}
	// A corrected file: a blank line is still an empty file, new bytes.
	later := time.Now().Add(time.Minute)
	os.WriteFile(filepath.Join(in, "IND26112301ACOM"), []byte("\r\n"), 0o644)
	os.Chtimes(filepath.Join(in, "IND26112301ACOM"), later, later)
	reps = w.Scan(ctx)
	if len(reps) != 1 || reps[0].RunID == first {
		t.Fatalf("corrected file: %+v", reps)
	}
	if run, err := st.Recon().ReconRun(ctx, first); err != nil || run.SupersededBy != reps[0].RunID {
		t.Fatalf("first run not superseded: %+v %v", run, err)
	}
}

// TestReconCommandExits: exit 2 for bad usage, 1 with one line for a bad
// file or a database that does not exist (which is never created), 0 with
// exactly one JSON object for a run.
func TestReconCommandExits(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "p.db")
	st, err := sqlite.Open(db, storetest.NewSealer())
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	os.WriteFile(db+".hostkey", []byte(strings.Repeat("ab", 32)+"\n"), 0o600)
	empty := filepath.Join(dir, "IND26112301ACOM")
	os.WriteFile(empty, nil, 0o644)
	bad := filepath.Join(dir, "bad")
	os.WriteFile(bad, []byte(strings.Repeat("x", 300)+"\r\n"), 0o644)
	missing := filepath.Join(dir, "typo", "p.db")
	for _, c := range []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"--db", "sqlite:" + db, "--date", "2026-11-23"}, 2, "--clearing is required"},
		{[]string{"--db", "sqlite:" + db, "--date", "2026-11-23", "--clearing", empty, "--nope"}, 2, "flag provided but not defined"},
		{[]string{"--db", "sqlite:" + missing, "--date", "2026-11-23", "--clearing", empty}, 1, "no such database"},
		{[]string{"--db", "sqlite:" + db, "--date", "2026-11-31", "--clearing", empty}, 1, "not a date"},
		{[]string{"--db", "sqlite:" + db, "--date", "2026-11-23", "--clearing", bad}, 1, "bad line 1, field 1 (acquirer institution id)"},
	} {
		var out, errb bytes.Buffer
		code := Main(context.Background(), append([]string{"recon"}, c.args...), &out, &errb)
		if code != c.code || !strings.Contains(errb.String(), c.err) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", c.args, code, errb.String(), c.code, c.err)
		}
		if code == 1 && strings.Count(strings.TrimSpace(errb.String()), "\n") != 0 {
			t.Errorf("%v: more than one line on stderr: %q", c.args, errb.String())
		}
	}
	if _, err := os.Stat(filepath.Dir(missing)); !os.IsNotExist(err) {
		t.Errorf("a mistyped --db created %s", filepath.Dir(missing))
	}
	var out, errb bytes.Buffer
	if code := Main(context.Background(), []string{"recon", "--db", "sqlite:" + db, "--date", "2026-11-23", "--clearing", empty, "--json"}, &out, &errb); code != 0 {
		t.Fatalf("run: %d %s", code, errb.String())
	}
	var v map[string]any
	dec := json.NewDecoder(&out)
	if err := dec.Decode(&v); err != nil || dec.More() || v["lines"] != float64(0) {
		t.Fatalf("--json: %v %v", v, err)
	}
	out.Reset()
	if code := Main(context.Background(), []string{"recon", "--db", "sqlite:" + db, "--date", "2026-11-23", "--clearing", empty}, &out, &errb); code != 0 ||
		!strings.Contains(out.String(), "0 lines, 0 matched, 0 exceptions") {
		t.Fatalf("summary: %d %s", code, out.String())
	}
}
