package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/posguard/posguard/audit"
)

func init() {
	register("audit", "check the audit log: audit verify --db DSN", func(stdout, stderr io.Writer) Command {
		return &AuditCommand{storeCmd: storeCmd{Stdout: stdout, Stderr: stderr, Stdin: os.Stdin}}
	})
}

// AuditCommand verifies the audit log's hash chain.
type AuditCommand struct {
	storeCmd
}

// ParseFlags reads audit's action and flags.
func (c *AuditCommand) ParseFlags(args []string) error {
	_, rest, err := subcommand("audit", args, "verify")
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(c.Stderr, "usage: posguard audit verify --db DSN")
		return err
	}
	if err != nil {
		return err
	}
	fs := newFlagSet("audit verify", "audit verify --db DSN", c.Stderr)
	c.addStoreFlags(fs)
	if err := parseFlags(fs, rest); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

// Run walks the chain; an error names the first record that fails.
func (c *AuditCommand) Run(ctx context.Context) error {
	st, err := c.open(ctx)
	if err != nil {
		return err
	}
	n, err := audit.Verify(ctx, st.Access())
	if err != nil {
		return err
	}
	fmt.Fprintf(c.Stdout, "audit log intact: %d records\n", n)
	return nil
}
