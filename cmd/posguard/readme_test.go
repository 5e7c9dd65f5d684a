package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestReadmeExamples runs the README's decode example on the frame it
// names, and checks every "./posguard CMD" line names a command.
func TestReadmeExamples(t *testing.T) {
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(raw)
	decode := regexp.MustCompile(`\./posguard decode --json "\$\(cat ([^)]+)\)"`).FindStringSubmatch(readme)
	if decode == nil {
		t.Fatal(`README has no "./posguard decode --json "$(cat FILE)"" example`)
	}
	frame, err := os.ReadFile("../../" + decode[1])
	if err != nil {
		t.Fatalf("the decode example's frame: %v", err)
	}
	code, out, errs := run(t, "decode", "--json", strings.TrimSpace(string(frame)))
	if code != 0 || !strings.Contains(out, "******") || !strings.HasPrefix(out, "{") {
		t.Fatalf("README decode example: exit %d\n%s%s", code, out, errs)
	}
	for _, m := range regexp.MustCompile(`(?m)^\./posguard (\w+)`).FindAllStringSubmatch(readme, -1) {
		if _, ok := commands[m[1]]; !ok {
			t.Errorf("README runs posguard %s, which is not a command", m[1])
		}
	}
}
