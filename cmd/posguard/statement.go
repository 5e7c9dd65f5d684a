package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/posguard/posguard/host"

	"github.com/posguard/posguard/ledger"
	"github.com/posguard/posguard/settlement"
)

func init() {
	register("statement", "a merchant's statement per day or month from the ledger, as CSV or XLSX", func(stdout, stderr io.Writer) Command {
		return &StatementCommand{Stdout: stdout, Stderr: stderr}
	})
}

// StatementCommand writes a merchant statement.
type StatementCommand struct {
	Stdout, Stderr io.Writer
	logOpts
	DB          string
	HostKeyFile string
	Merchant    string
	From, To    string
	Monthly     bool
	Format      string
	Out         string
	store       host.Store
}

// ParseFlags reads statement's flags.
func (c *StatementCommand) ParseFlags(args []string) error {
	fs := newFlagSet("statement", "statement --db DSN --merchant MID --from YYYY-MM-DD --to YYYY-MM-DD [--monthly] [--format csv|xlsx] [-o FILE]", c.Stderr)
	c.addLogFlags(fs)
	fs.StringVar(&c.DB, "db", "sqlite:posguard-data/posguard.db", "store: sqlite:PATH or a postgres:// URL")
	fs.StringVar(&c.HostKeyFile, "host-key-file", "", "host key file (default beside a SQLite database)")
	fs.StringVar(&c.Merchant, "merchant", "", "merchant ID (required)")
	fs.StringVar(&c.From, "from", "", "first settlement date, YYYY-MM-DD (required)")
	fs.StringVar(&c.To, "to", "", "last settlement date, YYYY-MM-DD (required)")
	fs.BoolVar(&c.Monthly, "monthly", false, "one row per month instead of per day")
	fs.StringVar(&c.Format, "format", "csv", "csv or xlsx")
	fs.StringVar(&c.Out, "o", "", "output file (default: standard output)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if c.Merchant == "" {
		return fmt.Errorf("--merchant is required")
	}
	for _, d := range []struct{ name, v string }{{"--from", c.From}, {"--to", c.To}} {
		if _, err := time.Parse("2006-01-02", d.v); err != nil {
			return fmt.Errorf("%s %q: want YYYY-MM-DD", d.name, d.v)
		}
	}
	if c.Format != "csv" && c.Format != "xlsx" {
		return fmt.Errorf("--format %q: want csv or xlsx", c.Format)
	}
	return nil
}

// Run posts what the journal has that the ledger lacks, then writes the statement.
func (c *StatementCommand) Run(ctx context.Context) error {
	st, _, err := openStore(ctx, c.DB, c.HostKeyFile, false, c.logger(c.Stderr, "warn"))
	if err != nil {
		return err
	}
	c.store = st
	m := st.Money()
	if _, err := (&ledger.Poster{Store: m, Pricer: &settlement.FeeBook{Store: m, Merchants: st}}).Drain(ctx); err != nil {
		return err
	}
	var src settlement.QRSource
	if q, ok := st.QR().(settlement.QRSource); ok {
		src = q
	}
	rep, err := settlement.BuildStatement(ctx, m, src, c.Merchant, c.From, c.To, c.Monthly)
	if err != nil {
		return err
	}
	w := c.Stdout
	if c.Out != "" {
		f, err := os.Create(c.Out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	if c.Format == "xlsx" {
		return settlement.WriteReportXLSX(w, rep)
	}
	return settlement.WriteReportCSV(w, rep)
}

// Close closes the store.
func (c *StatementCommand) Close() error {
	if c.store != nil {
		return c.store.Close()
	}
	return nil
}
