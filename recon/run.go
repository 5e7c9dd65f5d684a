package recon

import (
	"compress/gzip"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/recon/clearing"
)

// Reconciler runs reconciliations of clearing dates (spec/clearing-file.md
// §4) and keeps their exceptions repaired. Set Store; the others are
// optional: without Money no hold is posted, without Cases no case is
// opened, without Journal no credit adjustment is queued.
type Reconciler struct {
	Store posguard.ReconStore
	// Money posts holds and releases (挂账) and the suspense of money the
	// network charged for a failed transaction.
	Money posguard.MoneyStore
	// Cases opens a case per exception (recon_discrepancy).
	Cases posguard.CaseStore
	// Journal journals credit adjustments (sent by an Adjuster).
	Journal posguard.Journal
	// Payouts and Bank apply a bank payout result file (see bank.go).
	Payouts PayoutApplier
	// Acquirer is the acquirer id field 1 of the clearing file must hold
	// ("" accepts any).
	Acquirer string
	// Calendar dates the credit adjustments; the zero value is posguard's
	// default (UTC+8, cut-off 23:00), which must be the network's.
	Calendar posguard.Calendar
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Logger receives one line per run; nil logs nowhere.
	Logger *slog.Logger
	// Metrics, when set, counts runs, lines and exceptions.
	Metrics *Metrics
	// Audit, when set, receives one record per new run and per repair
	// (hold, release, credit adjustment, bank status applied), by user
	// "system" (the API's route audit adds who asked for a run).
	Audit posguard.AuditStore
	// QR fetches the wallet channels' day bills and repairs QR orders
	// (qr.Engine); QRStore reads the QR journal. Without them a run
	// reconciles no bill. QRFeeBPS, when it has a channel's name, is the
	// fee that channel charges in basis points of each row's amount: rows
	// whose fee differs are qr_fee_mismatch (without it fees are summed
	// only).
	QR       QRChannels
	QRStore  posguard.ReconQRStore
	QRFeeBPS map[string]int64
}

// Input is what one run reconciles.
type Input struct {
	Date         string // clearing date YYYY-MM-DD
	ClearingName string // the file's name (IND{yymmdd}01ACOM, maybe .gz)
	Clearing     io.Reader
	BankName     string    // "" when no bank file
	Bank         io.Reader // nil when no bank file
	// QRBills are wallet channels' day bills given as files; with FetchQR
	// every configured channel's bill of every merchant with a wallet is
	// fetched too (a file given for one wins).
	QRBills []QRBill
	FetchQR bool
}

func (r *Reconciler) now() time.Time {
	if r.Now != nil {
		return r.Now().UTC()
	}
	return time.Now().UTC()
}

func (r *Reconciler) log() *slog.Logger {
	if r.Logger != nil {
		return r.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// newRunID returns a fresh run id: rr_, the time in hex (so ids sort by
// creation) and 5 random bytes.
func newRunID(now time.Time) string {
	var b [5]byte
	rand.Read(b[:])
	return "rr_" + strings.ToUpper(strconv.FormatInt(now.UnixNano(), 16)+hex.EncodeToString(b[:]))
}

// Run reconciles in.Date (spec §4). It returns the report and whether a new
// run was made: running the same date again with byte-identical files
// returns the stored run (created false) and changes nothing. A bad file
// is an EINVALID error whose message is the one line of §2.9, and nothing
// is recorded.
func (r *Reconciler) Run(ctx context.Context, in Input) (*Report, bool, error) {
	if _, err := time.Parse("2006-01-02", in.Date); err != nil || len(in.Date) != 10 {
		return nil, false, posguard.Errorf(posguard.EINVALID, "date %q is not a date YYYY-MM-DD", in.Date)
	}
	if d, ok := clearing.DateOfFileName(in.ClearingName); ok && d != in.Date {
		return nil, false, posguard.Errorf(posguard.EINVALID, "%s is the clearing file of %s, not of %s", in.ClearingName, d, in.Date)
	}
	started := time.Now()
	if err := r.Refresh(ctx); err != nil {
		return nil, false, err
	}
	ix, err := buildIndex(ctx, r.Store, in.Date)
	if err != nil {
		return nil, false, err
	}
	if err := r.markMatchedBefore(ctx, in.Date, ix); err != nil {
		return nil, false, err
	}
	rep := &Report{Date: in.Date, ClearingFile: baseName(in.ClearingName), Exceptions: []Exception{}, Notes: []Note{}}
	rep.Totals.Journal = ix.journal
	m := newMatcher(in.Date, ix, rep)

	h := sha256.New()
	var src io.Reader = io.TeeReader(in.Clearing, h)
	if strings.HasSuffix(in.ClearingName, ".gz") {
		gz, err := gzip.NewReader(src)
		if err != nil {
			return nil, false, posguard.Errorf(posguard.EINVALID, "%s: not a gzip file", in.ClearingName)
		}
		src = gz
	}
	cr := clearing.NewClearingReader(src, strings.TrimSuffix(baseName(in.ClearingName), ".gz"), r.Acquirer)
	for {
		l, err := cr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, false, err
		}
		m.line(l)
	}
	io.Copy(io.Discard, src) // hash every byte, also after a gzip stream's end
	rep.ClearingSHA = hex.EncodeToString(h.Sum(nil))

	var bank *bankInput
	if in.Bank != nil {
		if bank, err = readBank(in.BankName, in.Bank); err != nil {
			return nil, false, err
		}
		rep.BankFile, rep.BankSHA = ptr(baseName(in.BankName)), ptr(bank.sha)
	}
	bankSHA := ""
	if bank != nil {
		bankSHA = bank.sha
	}
	bills, qrSHA, err := r.gatherQR(ctx, in)
	if err != nil {
		return nil, false, err
	}
	if qrSHA != "" {
		// The run's identity: the card files and the bills (the store's
		// bank digest column holds both; the report shows each).
		rep.QRSHA = ptr(qrSHA)
		bankSHA += "+qr:" + qrSHA
	}
	m.runKey = bankSHA
	if old, err := r.Store.RunBySHA(ctx, in.Date, rep.ClearingSHA, bankSHA); err == nil {
		rep, err := r.Report(ctx, old.ID)
		return rep, false, err
	} else if posguard.ErrorCode(err) != posguard.ENOTFOUND {
		return nil, false, err
	}
	if err := m.checkOriginals(ctx, r.Store); err != nil {
		return nil, false, err
	}
	// journal_only waits for D + 1's file unless that run exists.
	status := posguard.ReconAwaiting
	if _, err := r.Store.CurrentRun(ctx, dayOffset(in.Date, 1)); err == nil {
		status = posguard.ReconOpen
	}
	if err := m.journalOnly(ctx, r.Store, status); err != nil {
		return nil, false, err
	}
	if bank != nil {
		if err := r.matchBank(ctx, in.Date, bank, m); err != nil {
			return nil, false, err
		}
	}
	if bills != nil {
		if err := r.matchQR(ctx, in.Date, bills, m); err != nil {
			return nil, false, err
		}
	}
	if net, ok, err := r.Store.LedgerNet(ctx, in.Date); err != nil {
		return nil, false, err
	} else if ok {
		rep.Totals.LedgerNet = ptr(int64(net))
	}
	rep.RunID = newRunID(r.now())
	run, exs, err := r.act(ctx, rep, m)
	if err != nil {
		return nil, false, err
	}
	if err := r.Store.SaveRun(ctx, run, exs); err != nil {
		if posguard.ErrorCode(err) == posguard.ECONFLICT { // another run of the same files got there first
			if old, err := r.Store.RunBySHA(ctx, in.Date, rep.ClearingSHA, bankSHA); err == nil {
				rep, err := r.Report(ctx, old.ID)
				return rep, false, err
			}
		}
		return nil, false, err
	}
	if err := r.afterRun(ctx, rep, m); err != nil {
		return rep, true, err
	}
	r.audit(ctx, "recon_run", "recon/runs/"+rep.RunID, "ok", map[string]any{"date": rep.Date, "clearing_sha256": rep.ClearingSHA,
		"lines": rep.Lines, "matched": rep.Matched, "qr_bills": len(rep.QRBills), "qr_lines": rep.QRLines, "qr_matched": rep.QRMatched,
		"exceptions": rep.Counts()})
	r.Metrics.observe(rep, time.Since(started))
	r.log().Info("reconciliation run", "run", rep.RunID, "date", rep.Date, "lines", rep.Lines, "matched", rep.Matched,
		"qr_bills", len(rep.QRBills), "qr_lines", rep.QRLines, "qr_matched", rep.QRMatched, "exceptions", len(rep.Exceptions))
	return rep, true, nil
}

func baseName(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[i+1:]
	}
	return p
}

// markMatchedBefore marks the transactions of D − 1 that some line has
// already matched, so a line of D's file finds them only as duplicates, and
// those of D that D + 1's run matched with late lines.
func (r *Reconciler) markMatchedBefore(ctx context.Context, date string, ix *index) error {
	prev := dayOffset(date, -1)
	lateNext, err := r.Store.LateMatched(ctx, date)
	if err != nil {
		return err
	}
	latePrev, err := r.Store.LateMatched(ctx, prev)
	if err != nil {
		return err
	}
	// Of D − 1, unmatched are its open journal_only exceptions when its run
	// exists (or those a late line of this date resolved), and every
	// transaction not matched late by another date otherwise.
	_, err = r.Store.CurrentRun(ctx, prev)
	prevRun := err == nil
	if err != nil && posguard.ErrorCode(err) != posguard.ENOTFOUND {
		return err
	}
	unmatched := map[int64]bool{}
	if prevRun {
		exs, err := r.allExceptions(ctx, posguard.ReconFilter{Date: prev, Class: posguard.ReconJournalOnly})
		if err != nil {
			return err
		}
		for _, e := range exs {
			if e.Status != posguard.ReconResolved || latePrev[e.TxnID] == date {
				unmatched[e.TxnID] = true
			}
		}
	}
	ix.each(func(t *jtx) {
		switch t.day {
		case -1:
			if prevRun {
				t.late = !unmatched[t.id]
			} else if d, ok := latePrev[t.id]; ok && d != date {
				t.late = true
			}
		case 0:
			if d, ok := lateNext[t.id]; ok && d != date {
				t.late = true
			}
		}
	})
	return nil
}

// allExceptions pages through every exception matching f.
func (r *Reconciler) allExceptions(ctx context.Context, f posguard.ReconFilter) ([]*posguard.ReconException, error) {
	var out []*posguard.ReconException
	f.Limit = 10000
	for {
		page, err := r.Store.Exceptions(ctx, f)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if len(page) < f.Limit {
			return out, nil
		}
		f.After = page[len(page)-1].Ident
	}
}

// checkOriginals compares fields 18 and 28 of matched credit lines with
// their originals.
func (m *matcher) checkOriginals(ctx context.Context, st posguard.ReconStore) error {
	if len(m.origChecks) == 0 {
		return nil
	}
	ids := make([]int64, 0, len(m.origChecks))
	for _, c := range m.origChecks {
		ids = append(ids, c.origID)
	}
	origs, err := st.ReconTxnsByID(ctx, ids)
	if err != nil {
		return err
	}
	by := make(map[int64]*posguard.ReconTxn, len(origs))
	for _, o := range origs {
		by[o.ID] = o
	}
	for _, c := range m.origChecks {
		o := by[c.origID]
		if o == nil {
			continue
		}
		l := &clearing.Line{No: c.line, RRN: c.key.RRN, Terminal: c.key.Terminal, Merchant: c.key.Merchant}
		if c.trace != "000000" {
			m.check(l, "original_trace", c.trace, o.UpstreamSTAN)
		}
		if c.time != "0000000000" {
			m.check(l, "original_time", c.time, o.UpstreamTime)
		}
	}
	return nil
}

// audit appends an audit record when Audit is set; a failure is logged,
// never undoing what was done.
func (r *Reconciler) audit(ctx context.Context, action, object, outcome string, changes map[string]any) {
	if r.Audit == nil {
		return
	}
	rec := &posguard.AuditRecord{At: r.now(), User: "system", Remote: "local", Action: action, Object: object,
		Outcome: outcome, Changes: string(encode(map[string]any{"after": changes}))}
	if err := r.Audit.AppendAudit(ctx, rec); err != nil {
		r.log().Error("recon: audit record not written", "action", action, "object", object, "err", err)
	}
}

// encode marshals v (a report or an exception) for the store.
func encode(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}
