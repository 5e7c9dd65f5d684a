package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/posguard/posguard/access"
)

// TestUserAndTokenCommands: bad input exits non-zero with one line; a
// password read from stdin loses its newline and logs in; a generated one is
// printed alone; a token is printed alone on stdout.
func TestUserAndTokenCommands(t *testing.T) {
	db := seeded(t) // user and token work on an existing database

	for _, args := range [][]string{
		{"user"}, {"user", "frobnicate"}, {"user", "add", "--db", db, "--name", "x", "--role", "root"},
		{"user", "add", "--db", db, "--name", "x", "--role", "merchant"},
		{"user", "add", "--db", db, "--name", "x", "--role", "admin", "--merchant", "M1"},
		{"user", "add", "--db", db, "--role", "admin"},
		{"user", "add", "--db", db, "--name", "y", "--role", "merchant", "--merchant", "NOSUCH"},
		{"token", "create", "--db", db}, {"token", "revoke", "--db", db}, {"token", "create", "--db", db, "--user", "nobody"},
		{"audit", "check"},
	} {
		var out, errb bytes.Buffer
		if code := Main(context.Background(), args, &out, &errb); code == 0 || strings.Count(errb.String(), "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q", args, code, errb.String())
		}
	}

	var out, errb bytes.Buffer
	c := &UserCommand{storeCmd: storeCmd{Stdout: &out, Stderr: &errb, Stdin: strings.NewReader("a long passphrase\nignored\n")}}
	if err := c.ParseFlags([]string{"add", "--db", db, "--name", "Zhao", "--role", "finance", "--password-stdin"}); err != nil {
		t.Fatal(err)
	}
	if err := c.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	st := c.store
	if out.Len() != 0 {
		t.Fatalf("--password-stdin printed %q", out.String())
	}
	auth := &access.Auth{Store: st.Access()}
	if _, err := auth.Login(context.Background(), "zhao", "a long passphrase", ""); err != nil {
		t.Fatalf("login with the stdin password: %v", err)
	}
	c.Close()

	out.Reset()
	if code := Main(context.Background(), []string{"user", "add", "--db", db, "--name", "li", "--role", "operator"}, &out, &errb); code != 0 {
		t.Fatalf("user add: %s", errb.String())
	}
	pw := strings.TrimSpace(out.String())
	if len(pw) != 20 || strings.ContainsAny(pw, " \n") {
		t.Fatalf("generated password output %q", out.String())
	}
	out.Reset()
	if code := Main(context.Background(), []string{"token", "create", "--db", db, "--user", "LI", "--ttl", "1h", "--label", "ERP"}, &out, &errb); code != 0 {
		t.Fatalf("token create: %s", errb.String())
	}
	if lines := strings.Split(strings.TrimSpace(out.String()), "\n"); len(lines) != 1 || !strings.HasPrefix(lines[0], "pgt_") {
		t.Fatalf("token create stdout %q", out.String())
	}
	out.Reset()
	if code := Main(context.Background(), []string{"audit", "verify", "--db", db}, &out, &errb); code != 0 || !strings.Contains(out.String(), "intact") {
		t.Fatalf("audit verify: %d %s %s", code, out.String(), errb.String())
	}
}
