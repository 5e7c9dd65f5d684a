package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/casework"
	"github.com/posguard/posguard/host"
	"github.com/posguard/posguard/ledger"
	"github.com/posguard/posguard/payout"
	"github.com/posguard/posguard/qr"
	"github.com/posguard/posguard/recon"
	"github.com/posguard/posguard/settlement"
)

func init() {
	register("recon", "reconcile a clearing date: journal against the network's clearing file, payouts against the bank's result file", func(stdout, stderr io.Writer) Command {
		return &ReconCommand{Stdout: stdout, Stderr: stderr}
	})
}

// ReconCommand runs one reconciliation (spec/clearing-file.md §5) on the
// store directly; the repairs it decides are recorded durably and sent by
// posguard serve.
type ReconCommand struct {
	Stdout, Stderr io.Writer
	logOpts
	DB          string
	HostKeyFile string
	Date        string
	Clearing    string
	Bank        string
	QRBills     stringList
	QRFetch     bool
	JSON        bool
	store       hostStore
}

// ParseFlags reads recon's flags.
func (c *ReconCommand) ParseFlags(args []string) error {
	fs := newFlagSet("recon", "recon --db DSN --date YYYY-MM-DD --clearing FILE [--bank FILE] [--qr-fetch] [--qr-bill FILE]... [--json]", c.Stderr)
	c.addLogFlags(fs)
	fs.StringVar(&c.DB, "db", "", "store: sqlite:PATH or a postgres:// URL (required; an existing database)")
	fs.StringVar(&c.HostKeyFile, "host-key-file", "", "host key file (default beside a SQLite database)")
	fs.StringVar(&c.Date, "date", "", "clearing date YYYY-MM-DD (required)")
	fs.StringVar(&c.Clearing, "clearing", "", "the network's clearing file IND{yymmdd}01ACOM (or .gz) (required)")
	fs.StringVar(&c.Bank, "bank", "", "the bank's payout result file (CSV), optional")
	fs.Var(&c.QRBills, "qr-bill", "a wallet channel's day bill, named QR{yyyymmdd}.{channel}.{mch_id}.csv (repeatable)")
	fs.BoolVar(&c.QRFetch, "qr-fetch", false, "fetch every configured wallet channel's day bill of every merchant with a wallet (a --qr-bill file given for one wins)")
	fs.BoolVar(&c.JSON, "json", false, "print the report as one JSON object")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	for _, req := range []struct{ name, v string }{{"db", c.DB}, {"date", c.Date}, {"clearing", c.Clearing}} {
		if req.v == "" {
			return fmt.Errorf("--%s is required", req.name)
		}
	}
	return nil
}

// Run reconciles the date and prints the report.
func (c *ReconCommand) Run(ctx context.Context) error {
	if _, err := time.Parse("2006-01-02", c.Date); err != nil || len(c.Date) != 10 {
		return fmt.Errorf("--date %q is not a date YYYY-MM-DD", c.Date)
	}
	if path, ok := strings.CutPrefix(c.DB, "sqlite:"); ok {
		// Never create a database here: a mistyped path is an error.
		if _, err := os.Stat(path); err != nil {
			return fmt.Errorf("--db %s: no such database", c.DB)
		}
	}
	cf, err := os.Open(c.Clearing)
	if err != nil {
		return fmt.Errorf("--clearing: %v", err)
	}
	defer cf.Close()
	in := recon.Input{Date: c.Date, ClearingName: c.Clearing, Clearing: cf}
	if c.Bank != "" {
		bf, err := os.Open(c.Bank)
		if err != nil {
			return fmt.Errorf("--bank: %v", err)
		}
		defer bf.Close()
		in.BankName, in.Bank = c.Bank, bf
	}
	in.FetchQR = c.QRFetch
	for _, p := range c.QRBills {
		// Read as a stream when the run reaches it (a bill of millions of
		// rows is never held whole); a missing file fails here.
		if _, err := os.Stat(p); err != nil {
			return fmt.Errorf("--qr-bill: %v", err)
		}
		in.QRBills = append(in.QRBills, recon.QRBill{Name: p, Open: func() (io.ReadCloser, error) { return os.Open(p) }})
	}
	log := c.logger(io.Discard, "error")
	st, _, err := openStore(ctx, c.DB, c.HostKeyFile, false, log)
	if err != nil {
		return err
	}
	c.store = st
	rc, err := newReconciler(ctx, st)
	if err != nil {
		return err
	}
	rep, _, err := rc.Run(ctx, in)
	if err != nil {
		return err
	}
	if c.JSON {
		enc := json.NewEncoder(c.Stdout)
		return enc.Encode(rep)
	}
	printReconSummary(c.Stdout, rep)
	return nil
}

// newReconciler assembles a Reconciler over the host store: holds in the
// ledger (posted up to date first, so a hold finds the transaction's
// posting), cases, credit adjustments in the journal, bank statuses applied
// by the payout runner.
func newReconciler(ctx context.Context, st hostStore) (*recon.Reconciler, error) {
	acq, err := st.Setting(ctx, posguard.SettingAcquirerID)
	if err != nil && posguard.ErrorCode(err) != posguard.ENOTFOUND {
		return nil, err
	}
	m := st.Money()
	fees := &settlement.FeeBook{Store: m, Merchants: st}
	if _, err := (&ledger.Poster{Store: m, Pricer: fees}).Drain(ctx); err != nil {
		return nil, err
	}
	runner := &payout.Runner{Store: m, Merchants: st, Cases: host.PayoutCases{Service: &casework.Service{Store: st}}, Audit: st.Access()}
	rc := &recon.Reconciler{Store: st.(reconStorer).Recon(), Money: m, Cases: st, Journal: st, Payouts: runner, Acquirer: string(acq),
		Audit: st.Access()}
	// The wallet channels' bills and the repairs of QR orders: the engine
	// is not run here; the refunds and reversals it journals are sent by
	// posguard serve.
	eng := &qr.Engine{Store: st.QR(), Merchants: st, Terminals: st, Settings: st}
	if err := eng.Start(ctx); err != nil {
		return nil, err
	}
	var names []string
	for _, ch := range eng.Channels() {
		names = append(names, ch.Name)
	}
	if err := rc.WireQR(ctx, eng, st, st, names); err != nil {
		return nil, err
	}
	return rc, nil
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// reconStorer is a store with a reconciliation side (both stores have it).
type reconStorer interface{ Recon() posguard.ReconStore }

// printReconSummary writes the readable summary of a report.
func printReconSummary(w io.Writer, r *recon.Report) {
	fmt.Fprintf(w, "reconciliation %s of %s (%s, sha256 %.12s…)\n", r.RunID, r.Date, r.ClearingFile, r.ClearingSHA)
	fmt.Fprintf(w, "  clearing file: %d lines, %d matched, %d exceptions\n", r.Lines, r.Matched, len(r.Exceptions))
	ft, jt := r.Totals.File, r.Totals.Journal
	fmt.Fprintf(w, "  file:    debits %d / %s yuan, credits %d / %s yuan, fees %s yuan\n", ft.DebitCount,
		posguard.Amount(ft.DebitAmount), ft.CreditCount, posguard.Amount(ft.CreditAmount), posguard.Amount(ft.Fees))
	fmt.Fprintf(w, "  journal: debits %d / %s yuan, credits %d / %s yuan\n", jt.DebitCount,
		posguard.Amount(jt.DebitAmount), jt.CreditCount, posguard.Amount(jt.CreditAmount))
	if r.BankFile != nil {
		fmt.Fprintf(w, "  bank file %s: %d lines, %d matched\n", *r.BankFile, *r.BankLines, *r.BankMatched)
	}
	if len(r.QRBills) > 0 {
		fmt.Fprintf(w, "  QR bills: %d, %d rows, %d matched\n", len(r.QRBills), r.QRLines, r.QRMatched)
		for _, b := range r.QRBills {
			fmt.Fprintf(w, "    %-8s %-16s merchant %s (%s): %d rows, %d matched, %d exceptions; paid %d / %s yuan, refunded %d / %s yuan, fees %s yuan\n",
				b.Channel, b.MchID, b.Merchant, b.Source, b.Rows, b.Matched, b.Exceptions, b.Totals.PayCount, posguard.Amount(b.Totals.PayAmount),
				b.Totals.RefundCount, posguard.Amount(b.Totals.RefundAmount), posguard.Amount(b.Totals.Fees))
		}
	}
	counts := r.Counts()
	classes := make([]string, 0, len(counts))
	for c := range counts {
		classes = append(classes, c)
	}
	sort.Strings(classes)
	for _, c := range classes {
		fmt.Fprintf(w, "  %-24s %d\n", c, counts[c])
	}
	for _, e := range r.Exceptions {
		where := "journal"
		if e.Line != nil {
			where = fmt.Sprintf("line %d", *e.Line)
		}
		id := e.RRN
		if e.PayoutID != nil {
			id = "payout " + *e.PayoutID
		}
		if e.Source == recon.SourceQR {
			where = fmt.Sprintf("%s:%s", *e.Channel, where)
			id = "out_trade_no " + deref(e.OutTradeNo)
			if e.OrderID != nil {
				id += " (" + *e.OrderID + ")"
			}
			if e.OutRefundNo != nil {
				id += " refund " + *e.OutRefundNo
			}
		}
		fmt.Fprintf(w, "  - %-9s %-22s %-14s %-16s %s", where, e.Class, e.Status, e.Action, id)
		if e.Amount != nil {
			fmt.Fprintf(w, "  posguard %s", posguard.Amount(*e.Amount))
		}
		if e.FileAmount != nil {
			fmt.Fprintf(w, "  file %s", posguard.Amount(*e.FileAmount))
		}
		if e.CaseID != nil {
			fmt.Fprintf(w, "  case %s", *e.CaseID)
		}
		fmt.Fprintln(w)
	}
	if len(r.Notes) > 0 {
		fmt.Fprintf(w, "  %d notes (late lines, data mismatches, applied bank statuses): see --json\n", len(r.Notes))
	}
}

// Close closes the store.
func (c *ReconCommand) Close() error {
	if c.store != nil {
		return c.store.Close()
	}
	return nil
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
