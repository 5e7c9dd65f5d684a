package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/host"
	"github.com/posguard/posguard/recon"
	"github.com/posguard/posguard/recon/clearing"
)

// clearingWatcher imports the day's files from a directory, as acquirers
// receive them by file transfer: every clearing file IND{yymmdd}01ACOM (or
// .gz) is reconciled for its date, with the bank payout result file
// DF{yyyymmdd}_*.csv of the next day (the bank's date) when there is one.
// A file is read again only when its size or time changes; reconciling the
// same bytes twice returns the stored run, so a restart repairs nothing
// twice.
type clearingWatcher struct {
	Dir   string
	Every time.Duration
	Recon *recon.Reconciler
	Log   *slog.Logger
	// FetchQR reconciles every wallet channel's day bill of the date in
	// the same run (fetched from the channel).
	FetchQR bool

	mu   sync.Mutex        // one scan at a time
	done map[string]string // clearing file → size/time of the files last run
	// failed holds, by date, why the last run of a file that is tried
	// again (a wallet channel's bill could not be fetched) failed.
	failed map[string]error
}

// Run polls the directory until ctx ends.
func (w *clearingWatcher) Run(ctx context.Context) {
	if w.Every <= 0 {
		w.Every = 10 * time.Second
	}
	t := time.NewTicker(w.Every)
	defer t.Stop()
	for {
		w.Scan(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// stamp identifies a file's version by size and modification time.
func stamp(path string) string {
	fi, err := os.Stat(path)
	if err != nil {
		return ""
	}
	return fi.ModTime().UTC().Format(time.RFC3339Nano) + "/" + strings.TrimSpace(fi.Name()) + "/" + time.Duration(fi.Size()).String()
}

// Scan reconciles every clearing file in the directory not yet run in its
// current version, oldest date first, and returns the reports.
func (w *clearingWatcher) Scan(ctx context.Context) []*recon.Report {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done == nil {
		w.done, w.failed = map[string]string{}, map[string]error{}
	}
	entries, err := os.ReadDir(w.Dir)
	if err != nil {
		w.Log.Error("clearing dir", "dir", w.Dir, "err", err)
		return nil
	}
	dates := map[string]string{} // date → clearing file
	banks := map[string][]string{}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() {
			continue
		}
		if d, ok := clearing.DateOfFileName(name); ok && !strings.HasSuffix(name, ".Z") {
			dates[d] = name
		}
		if strings.HasPrefix(name, "DF") && strings.HasSuffix(name, ".csv") && len(name) > 10 {
			if t, err := time.Parse("20060102", name[2:10]); err == nil {
				d := t.AddDate(0, 0, -1).Format("2006-01-02")
				banks[d] = append(banks[d], name)
			}
		}
	}
	order := make([]string, 0, len(dates))
	for d := range dates {
		order = append(order, d)
	}
	sort.Strings(order)
	var runs []*recon.Report
	for _, d := range order {
		path := filepath.Join(w.Dir, dates[d])
		bank := ""
		if bs := banks[d]; len(bs) > 0 {
			sort.Strings(bs)
			bank = filepath.Join(w.Dir, bs[len(bs)-1])
		}
		version := stamp(path) + "|" + stamp(bank)
		if w.done[path] == version {
			continue
		}
		if rep, err := w.run(ctx, d, path, bank); err != nil {
			w.Log.Error("reconciliation of a received file failed", "file", dates[d], "err", err)
			if posguard.ErrorCode(err) == posguard.EUNAVAILABLE {
				w.failed[d] = err
				continue // a channel's bill could not be fetched: tried again at the next scan
			}
		} else {
			delete(w.failed, d)
			runs = append(runs, rep)
		}
		w.done[path] = version
	}
	return runs
}

func (w *clearingWatcher) run(ctx context.Context, date, path, bank string) (*recon.Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	in := recon.Input{Date: date, ClearingName: filepath.Base(path), Clearing: f, FetchQR: w.FetchQR}
	if bank != "" {
		b, err := os.Open(bank)
		if err != nil {
			return nil, err
		}
		defer b.Close()
		in.BankName, in.Bank = filepath.Base(bank), b
	}
	rep, created, err := w.Recon.Run(ctx, in)
	if err != nil {
		return nil, err
	}
	w.Log.Info("clearing file reconciled", "file", filepath.Base(path), "run", rep.RunID, "new", created,
		"lines", rep.Lines, "matched", rep.Matched, "exceptions", len(rep.Exceptions))
	return rep, nil
}

// startRecon adds to the host what reconciliation needs running in serve
// beside the host's own parts: with --clearing-dir, the directory watcher.
func (c *ServeCommand) startRecon(h *host.Host) {
	if c.ClearingDir == "" {
		return
	}
	w := &clearingWatcher{Dir: c.ClearingDir, Recon: h.Recon, Log: c.log, FetchQR: len(h.QR.Channels()) > 0}
	c.mu.Lock()
	c.clearing = w
	c.mu.Unlock()
	h.Also = append(h.Also, w.Run)
	// The scheduler's reconciliation of a closed day: the directory is
	// read now; without a run for the day the job waits for the file.
	h.Scheduler.Recon = func(ctx context.Context, day string) (string, error) {
		w.Scan(ctx)
		if err := w.lastFailure(day); err != nil {
			return "", err // retried after the scheduler's Retry
		}
		run, err := h.Recon.Store.CurrentRun(ctx, day)
		if posguard.ErrorCode(err) == posguard.ENOTFOUND {
			return "", posguard.Errorf(posguard.ENOTFOUND, "no clearing file of %s in %s yet", day, w.Dir)
		}
		if err != nil {
			return "", err
		}
		what := fmt.Sprintf("clearing file %s reconciled (run %s)", run.ClearingFile, run.ID)
		if rep, err := h.Recon.Report(ctx, run.ID); err == nil && len(rep.QRBills) > 0 {
			what += fmt.Sprintf(" with %d QR bills (%d rows, %d matched)", len(rep.QRBills), rep.QRLines, rep.QRMatched)
		}
		return what, nil
	}
}

// lastFailure returns why the last run of date's file failed when it is to
// be tried again, nil otherwise.
func (w *clearingWatcher) lastFailure(date string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.failed[date]
}

// ImportClearing reconciles the files waiting in --clearing-dir now instead
// of at the next poll (the demo's end of day), and returns the reports.
func (c *ServeCommand) ImportClearing(ctx context.Context) []*recon.Report {
	c.mu.Lock()
	w := c.clearing
	c.mu.Unlock()
	if w == nil {
		return nil
	}
	return w.Scan(ctx)
}
