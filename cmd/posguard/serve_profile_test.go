package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"testing"
)

// TestServeWritesCPUProfile: serve --cpuprofile leaves a complete profile
// (gzip-compressed, as runtime/pprof writes it) once serve has stopped.
func TestServeWritesCPUProfile(t *testing.T) {
	db := seeded(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	prof := filepath.Join(t.TempDir(), "serve.prof")
	ctx, cancel := context.WithCancel(context.Background())
	sv := &ServeCommand{Stdout: &bytes.Buffer{}, Stderr: &syncBuffer{}, Ready: make(chan struct{})}
	if err := sv.ParseFlags([]string{"--db", db, "--terminal-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0",
		"--network", "iso8583://" + ln.Addr().String(), "--cpuprofile", prof}); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- sv.Run(ctx); sv.Close() }()
	select {
	case <-sv.Ready:
	case err := <-done:
		t.Fatalf("serve ended before it was ready: %v", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(prof)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
		t.Fatalf("profile of %d bytes does not start as gzip", len(b))
	}
}
