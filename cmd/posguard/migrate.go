package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/posguard/posguard/host"
	"github.com/posguard/posguard/sqlite"
)

func init() {
	register("migrate", "apply the store's schema migrations and exit", func(stdout, stderr io.Writer) Command {
		return &MigrateCommand{Stdout: stdout, Stderr: stderr}
	})
}

// MigrateCommand applies migrations (opening a store applies them; this
// command makes it an explicit step for production deployments).
type MigrateCommand struct {
	Stdout, Stderr io.Writer
	logOpts
	DB          string
	HostKeyFile string
	store       host.Store
	lock        *sqlite.Lock
}

// ParseFlags reads migrate's flags.
func (c *MigrateCommand) ParseFlags(args []string) error {
	fs := newFlagSet("migrate", "migrate --db DSN", c.Stderr)
	c.addLogFlags(fs)
	fs.StringVar(&c.DB, "db", "sqlite:posguard-data/posguard.db", "store: sqlite:PATH or a postgres:// URL")
	fs.StringVar(&c.HostKeyFile, "host-key-file", "", "host key file (default beside a SQLite database; created if missing)")
	return parseFlags(fs, args)
}

// Run opens the store, which applies pending migrations in order.
func (c *MigrateCommand) Run(ctx context.Context) error {
	// Migrating under a running SQLite host is refused (its lock).
	if strings.HasPrefix(c.DB, "sqlite:") {
		if err := mustExist(strings.TrimPrefix(c.DB, "sqlite:"), "database", "--db "+c.DB); err != nil {
			return err
		}
	}
	lock, err := lockSQLite(c.DB, "posguard migrate")
	if err != nil {
		return err
	}
	c.lock = lock
	st, _, err := openStore(ctx, c.DB, c.HostKeyFile, false, c.logger(c.Stderr, "info"))
	if err != nil {
		return err
	}
	c.store = st
	if err := st.Ping(ctx); err != nil {
		return err
	}
	fmt.Fprintf(c.Stdout, "schema up to date: %s\n", redactDSN(c.DB))
	return nil
}

// Close closes the store.
func (c *MigrateCommand) Close() error {
	var err error
	if c.store != nil {
		err = c.store.Close()
	}
	if c.lock != nil {
		c.lock.Release()
	}
	return err
}
