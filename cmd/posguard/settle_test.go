package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestSettleCommandTwiceAndBadDate(t *testing.T) {
	db := seeded(t)
	run := func(args ...string) (int, string) {
		var out, errb bytes.Buffer
		code := Main(context.Background(), args, &out, &errb)
		return code, out.String() + errb.String()
	}
	for i := 0; i < 2; i++ {
		code, out := run("settle", "--db", db, "--date", "2026-03-01")
		if code != 0 || !strings.Contains(out, "settlement 2026-03-01: 0 batches") {
			t.Fatalf("run %d: exit %d: %s", i, code, out)
		}
	}
	if code, out := run("settle", "--db", db, "--date", "03/01/2026"); code != 2 || !strings.Contains(out, "want YYYY-MM-DD") {
		t.Fatalf("bad date: exit %d: %s", code, out)
	}
}
