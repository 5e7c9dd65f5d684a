package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/host"
	"github.com/posguard/posguard/keys"
	"github.com/posguard/posguard/postgres"
	"github.com/posguard/posguard/sqlite"
	"github.com/posguard/posguard/verify"
)

func init() {
	register("verify", "check the ledger's hash chain and balances and the journal's invariants; exit 1 on a break", func(stdout, stderr io.Writer) Command {
		return &VerifyCommand{Stdout: stdout, Stderr: stderr}
	})
}

// VerifyCommand checks a store's books and prints a verdict.
type VerifyCommand struct {
	Stdout, Stderr io.Writer
	DB             string
	Grace          time.Duration
	store          host.Store
}

// ParseFlags reads verify's flags. --help prints on stdout.
func (c *VerifyCommand) ParseFlags(args []string) error {
	out := c.Stderr
	for _, a := range args {
		if a == "-h" || a == "-help" || a == "--help" || a == "--h" {
			out = c.Stdout
		}
	}
	fs := newFlagSet("verify", "verify --db DSN [--grace D]", out)
	fs.StringVar(&c.DB, "db", "sqlite:posguard-data/posguard.db", "store to check: sqlite:PATH of an existing database, or a postgres:// URL")
	fs.DurationVar(&c.Grace, "grace", 0, "how long a transaction may stay forwarded (a request in flight); 0: none may, the host is stopped. With a host running, give more than its upstream timeout, e.g. 1m")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if c.Grace < 0 {
		return fmt.Errorf("--grace must not be negative")
	}
	return nil
}

// Run opens the store without creating anything, checks the ledger and the
// journal, prints the report and returns an error naming the first break.
func (c *VerifyCommand) Run(ctx context.Context) error {
	st, err := openExisting(ctx, c.DB)
	if err != nil {
		return err
	}
	c.store = st
	var r verify.Report
	if err := verify.Ledger(ctx, st.Money(), &r); err != nil {
		return fmt.Errorf("reading the ledger: %w", err)
	}
	if err := verify.Journal(ctx, st, verify.Options{Grace: c.Grace}, &r); err != nil {
		return fmt.Errorf("reading the journal: %w", err)
	}
	r.Print(c.Stdout)
	if !r.OK() {
		return fmt.Errorf("%s", r.Breaks[0])
	}
	return nil
}

// Close closes the store.
func (c *VerifyCommand) Close() error {
	if c.store != nil {
		return c.store.Close()
	}
	return nil
}

// openExisting opens the store named by dsn without creating a database, a
// folder or a host key: a SQLite file must exist. The store is opened with
// a throwaway host key, held in memory only: verify reads no sealed
// terminal key.
func openExisting(ctx context.Context, dsn string) (host.Store, error) {
	raw := make([]byte, keys.HostKeyLen)
	rand.Read(raw)
	hk, err := keys.ParseHostKey(hex.EncodeToString(raw))
	clear(raw)
	if err != nil {
		return nil, err
	}
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		path := strings.TrimPrefix(dsn, "sqlite:")
		if path == "" {
			return nil, fmt.Errorf("--db sqlite: needs a path, e.g. sqlite:posguard.db")
		}
		fi, err := os.Stat(path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, posguard.Errorf(posguard.ENOTFOUND, "--db %s: no such database (verify never creates one)", dsn)
		}
		if err != nil {
			return nil, err
		}
		if !fi.Mode().IsRegular() {
			return nil, fmt.Errorf("--db %s: not a database file", dsn)
		}
		st, err := sqlite.Open(path, hk)
		if err != nil {
			return nil, err
		}
		return st, nil
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		st, err := postgres.Open(ctx, dsn, hk)
		if err != nil {
			return nil, err
		}
		return st, nil
	}
	return nil, fmt.Errorf("--db %q: want sqlite:PATH or a postgres:// URL", redactDSN(dsn))
}
