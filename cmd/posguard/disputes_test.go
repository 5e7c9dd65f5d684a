package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/posguard/posguard/dispute"
)

// TestDisputesCommand: import reports a line no transaction answers and
// stores nothing; a bad file is refused with its line; list and expire run
// on the database; a wrong action or a missing file exits non-zero.
func TestDisputesCommand(t *testing.T) {
	db := seeded(t)
	dir := t.TempDir()
	good := filepath.Join(dir, "disputes.csv")
	line := "CB2026030500001,C,4515,000000100042,000011,10000001,898310048990001,622588******0019,8800,156,2026-03-01,2026-03-05T10:00:00+08:00\n"
	if err := os.WriteFile(good, []byte(dispute.HeaderRaised+"\n"+line), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := run(t, "disputes", "import", "--db", db, good)
	if code != 0 || !strings.Contains(out, "1 lines, 0 new, 0 already imported, 1 unmatched") || !strings.Contains(out, "no transaction has this RRN") {
		t.Fatalf("import: exit %d\n%s%s", code, out, errs)
	}
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte(dispute.HeaderRaised+"\n"+strings.Replace(line, "622588******0019", "6225880000000019", 1)), 0o644)
	if code, _, errs = run(t, "disputes", "import", "--db", db, bad); code == 0 || !strings.Contains(errs, "line 2: card") || strings.Contains(errs, "6225880000000019") {
		t.Fatalf("bad file: exit %d: %s", code, errs)
	}
	if code, out, errs = run(t, "disputes", "list", "--db", db); code != 0 || !strings.Contains(out, "0 disputes") {
		t.Fatalf("list: exit %d: %s%s", code, out, errs)
	}
	if code, out, errs = run(t, "disputes", "expire", "--db", db); code != 0 || !strings.Contains(out, "0 disputes lost") {
		t.Fatalf("expire: exit %d: %s%s", code, out, errs)
	}
	for _, args := range [][]string{{"disputes"}, {"disputes", "sing"}, {"disputes", "import", "--db", db}, {"disputes", "fetch", "--db", db}} {
		if code, _, _ := run(t, args...); code == 0 {
			t.Errorf("%v: exit 0", args)
		}
	}
	if code, out, _ := run(t, "disputes", "--help"); code != 0 || !strings.Contains(out, "usage: posguard disputes") {
		t.Errorf("help: exit %d: %s", code, out)
	}
}
