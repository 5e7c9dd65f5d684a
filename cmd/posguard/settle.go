package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/posguard/posguard/host"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/ledger"
	"github.com/posguard/posguard/settlement"
)

func init() {
	register("settle", "post the journal to the ledger and settle merchants T+1 for a date (idempotent)", func(stdout, stderr io.Writer) Command {
		return &SettleCommand{Stdout: stdout, Stderr: stderr}
	})
}

// SettleCommand runs T+1 settlement for one settlement date.
type SettleCommand struct {
	Stdout, Stderr io.Writer
	logOpts
	DB              string
	HostKeyFile     string
	Date            string
	ReviewThreshold int64 // fen
	D0              bool
	Merchant        string
	Cutoff          string
	// Now is the clock the date is checked against (nil: time.Now).
	Now   func() time.Time
	store host.Store
}

// ParseFlags reads settle's flags.
func (c *SettleCommand) ParseFlags(args []string) error {
	fs := newFlagSet("settle", "settle --db DSN --date YYYY-MM-DD", c.Stderr)
	c.addLogFlags(fs)
	fs.StringVar(&c.DB, "db", "sqlite:posguard-data/posguard.db", "store: sqlite:PATH or a postgres:// URL")
	fs.StringVar(&c.HostKeyFile, "host-key-file", "", "host key file (default beside a SQLite database)")
	fs.StringVar(&c.Date, "date", "", "settlement date to settle, YYYY-MM-DD (required)")
	fs.Int64Var(&c.ReviewThreshold, "review-threshold", 0, "hold sales of at least this many fen for review (0: none)")
	fs.BoolVar(&c.D0, "d0", false, "settle one merchant same-day (D0) instead of a T+1 date; needs --merchant")
	fs.StringVar(&c.Merchant, "merchant", "", "merchant ID for --d0")
	fs.StringVar(&c.Cutoff, "cutoff", "23:00", "local time (UTC+8) at which a business day closes, as serve's --cutoff")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if c.D0 {
		if c.Merchant == "" {
			return fmt.Errorf("--d0 needs --merchant MID")
		}
		return nil
	}
	if _, err := time.Parse("2006-01-02", c.Date); err != nil {
		return fmt.Errorf("--date %q: want YYYY-MM-DD", c.Date)
	}
	if c.ReviewThreshold < 0 {
		return fmt.Errorf("--review-threshold must not be negative")
	}
	cutoff, err := parseCutoff(c.Cutoff)
	if err != nil {
		return err
	}
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	return checkClosedDay(c.Date, cutoff, now())
}

// checkClosedDay refuses to settle a business day that has not closed at
// now (posguard.Calendar, UTC+8 with the given cut-off): a day in the
// future, or today before the cut-off (sales may still come in).
func checkClosedDay(date string, cutoff time.Duration, now time.Time) error {
	cal := posguard.Calendar{Cutoff: cutoff}
	if cal.DayClosed(date, now) {
		return nil
	}
	today := cal.SettlementDate(now)
	if date == today {
		return fmt.Errorf("--date %s is the business day still open: it closes at the cut-off %02d:%02d UTC+8 (now %s); settle it after that",
			date, int(cal.CutoffTime().Hours()), int(cal.CutoffTime().Minutes())%60, now.In(cal.Zone()).Format("15:04"))
	}
	return fmt.Errorf("--date %s is in the future (the open business day is %s, UTC+8): only a closed business day is settled", date, today)
}

// Run posts what the journal holds, then settles the date.
func (c *SettleCommand) Run(ctx context.Context) error {
	st, _, err := openStore(ctx, c.DB, c.HostKeyFile, false, c.logger(c.Stderr, "info"))
	if err != nil {
		return err
	}
	c.store = st
	m := st.Money()
	fees := &settlement.FeeBook{Store: m, Merchants: st}
	posted, err := (&ledger.Poster{Store: m, Pricer: fees}).Drain(ctx)
	if err != nil {
		return err
	}
	s := &settlement.Settler{Store: m, Merchants: st, Fees: fees, ReviewThreshold: posguard.Amount(c.ReviewThreshold),
		RiskHolds: st.Onboarding().ReviewsHeld}
	if c.D0 {
		b, err := s.D0(ctx, c.Merchant)
		if err != nil {
			return err
		}
		fmt.Fprintf(c.Stdout, "posted %d ledger postings\nD0 %s: %d items, %s yuan, payout %s queued\n", posted, b.ID, b.Count, b.Net, b.PayoutID)
		return nil
	}
	rep, err := s.Settle(ctx, c.Date)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.Stdout, "posted %d ledger postings\n%s\n", posted, rep)
	for _, b := range rep.Batches {
		fmt.Fprintf(c.Stdout, "  %s  %d items  %s yuan  payout %s queued\n", b.ID, b.Count, b.Net, b.PayoutID)
	}
	return nil
}

// Close closes the store.
func (c *SettleCommand) Close() error {
	if c.store != nil {
		return c.store.Close()
	}
	return nil
}
