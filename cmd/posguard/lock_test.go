package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestSQLiteSingleInstance: while one posguard serve runs on a SQLite file,
// a second serve and a migrate on the same file are refused with an error
// naming the file and the holder; after the first stops, serve starts.
func TestSQLiteSingleInstance(t *testing.T) {
	wd := startWorld(t, "", 2e9)
	path := strings.TrimPrefix(wd.db, "sqlite:")
	netAddr, _ := wd.simnet.Addrs()
	second := func() error {
		sv := &ServeCommand{Stdout: &bytes.Buffer{}, Stderr: &syncBuffer{}, Ready: make(chan struct{})}
		if err := sv.ParseFlags([]string{"--db", wd.db, "--terminal-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0",
			"--network", "iso8583://" + netAddr}); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		done := make(chan error, 1)
		go func() { done <- sv.Run(ctx); sv.Close() }()
		select {
		case err := <-done:
			return err
		case <-sv.Ready:
			cancel()
			<-done
			return nil
		}
	}
	err := second()
	if err == nil {
		t.Fatal("a second serve on the same SQLite file started")
	}
	for _, want := range []string{path, "posguard serve (pid", "one host instance"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("second serve's error %q lacks %q", err, want)
		}
	}
	code, _, stderr := run(t, "migrate", "--db", wd.db)
	if code == 0 || !strings.Contains(stderr, path) || !strings.Contains(stderr, "posguard serve (pid") {
		t.Errorf("migrate beside serve: exit %d, stderr %q", code, stderr)
	}
	wd.stop()
	if err := second(); err != nil {
		t.Fatalf("serve after the first stopped: %v", err)
	}
}
