package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/dispute"
)

func init() {
	register("disputes", "import the network's dispute file (调单, 拒付), fetch it from the network, list disputes or lose those past their deadline", func(stdout, stderr io.Writer) Command {
		return &DisputesCommand{Stdout: stdout, Stderr: stderr}
	})
}

// DisputesCommand works disputes from the command line:
//
//	posguard disputes import [--db DSN] FILE   import a dispute file
//	posguard disputes fetch  [--db DSN] --url URL   fetch the network's file and import it
//	posguard disputes expire [--db DSN]        lose the disputes past their deadline
//	posguard disputes list   [--db DSN] [--active]
//
// It acts as the operator "cli" (admin role) in the audit log.
type DisputesCommand struct {
	Stdout, Stderr io.Writer
	logOpts
	Action      string
	DB          string
	HostKeyFile string
	URL         string
	File        string
	Active      bool
	// Now is the clock (nil: time.Now).
	Now   func() time.Time
	store hostStore
}

// ParseFlags reads the action, its flags and its file.
func (c *DisputesCommand) ParseFlags(args []string) error {
	fs := newFlagSet("disputes", "disputes import|fetch|expire|list [--db DSN] [--url URL] [--active] [FILE]", c.Stderr)
	c.addLogFlags(fs)
	fs.StringVar(&c.DB, "db", "sqlite:posguard-data/posguard.db", "store: sqlite:PATH or a postgres:// URL")
	fs.StringVar(&c.HostKeyFile, "host-key-file", "", "host key file (default beside a SQLite database)")
	fs.StringVar(&c.URL, "url", "", "fetch: the network's dispute API (simnet's admin server, http://HOST:PORT)")
	fs.BoolVar(&c.Active, "active", false, "list: only disputes still waiting for a response")
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
		return parseFlags(fs, args)
	}
	if len(args) == 0 {
		fs.Usage()
		return fmt.Errorf("disputes: want an action: import, fetch, expire or list")
	}
	c.Action = args[0]
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	rest := fs.Args()
	switch c.Action {
	case "import":
		if len(rest) != 1 {
			return fmt.Errorf("disputes import: want one dispute file")
		}
		c.File = rest[0]
	case "fetch":
		if c.URL == "" {
			return fmt.Errorf("disputes fetch: --url is required")
		}
	case "expire", "list":
	default:
		return fmt.Errorf("disputes: unknown action %q (import, fetch, expire or list)", c.Action)
	}
	if c.Action != "import" && len(rest) > 0 {
		return fmt.Errorf("disputes %s: unexpected argument %q", c.Action, rest[0])
	}
	return nil
}

// Run does the action.
func (c *DisputesCommand) Run(ctx context.Context) error {
	var file []byte
	if c.Action == "import" {
		var err error
		if file, err = os.ReadFile(c.File); err != nil {
			return fmt.Errorf("disputes import: %w", err)
		}
	}
	st, _, err := openStore(ctx, c.DB, c.HostKeyFile, false, c.logger(c.Stderr, "warn"))
	if err != nil {
		return err
	}
	c.store = st
	svc := &dispute.Service{Store: st, Ledger: st.Money(), Audit: st.Access(), AutoRetrieval: true, Now: c.Now,
		Logger: c.logger(c.Stderr, "warn")}
	if c.URL != "" {
		svc.Network = &dispute.Client{BaseURL: c.URL}
	}
	cli := dispute.Actor{Name: "cli", Role: posguard.RoleAdmin}
	switch c.Action {
	case "import":
		rep, err := svc.ImportFile(ctx, file, cli)
		if err != nil {
			return err
		}
		c.report(rep)
	case "fetch":
		rep, err := svc.Fetch(ctx)
		if err != nil {
			return err
		}
		c.report(rep)
	case "expire":
		n, err := svc.Expire(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(c.Stdout, "%d disputes lost: deadline passed without a response\n", n)
	case "list":
		ds, err := svc.List(ctx, posguard.DisputeFilter{Active: c.Active, Limit: 1000}, cli)
		if err != nil {
			return err
		}
		for _, d := range ds {
			fmt.Fprintf(c.Stdout, "%s  %-10s %s  %-16s txn %d  %s  %s yuan  due %s\n", d.ID, d.Kind, d.ReasonCode, d.State,
				d.TxnID, d.MerchantID, d.Amount, d.DueAt.In(posguard.ChinaStandardTime).Format("2006-01-02 15:04"))
		}
		fmt.Fprintf(c.Stdout, "%d disputes\n", len(ds))
	}
	return nil
}

// report prints an import report.
func (c *DisputesCommand) report(rep dispute.ImportReport) {
	fmt.Fprintln(c.Stdout, rep.String())
	for _, id := range rep.Created {
		fmt.Fprintf(c.Stdout, "  new %s\n", id)
	}
	for _, u := range rep.Unmatched {
		fmt.Fprintf(c.Stdout, "  unmatched %s\n", u)
	}
}

// Close closes the store.
func (c *DisputesCommand) Close() error {
	if c.store != nil {
		return c.store.Close()
	}
	return nil
}
