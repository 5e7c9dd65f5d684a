package recon

import (
	"context"
	"encoding/json"
	"strconv"

	"github.com/posguard/posguard"
)

// act turns the findings of a new run into exceptions: an exception found
// again (same identity, still standing) keeps its status, case and repair;
// a new one is repaired and gets a case; one of this date no longer found is
// resolved (superseded) and its hold released.
func (r *Reconciler) act(ctx context.Context, rep *Report, m *matcher) (*posguard.ReconRun, []*posguard.ReconException, error) {
	old, err := r.allExceptions(ctx, posguard.ReconFilter{Date: rep.Date})
	if err != nil {
		return nil, nil, err
	}
	byIdent := make(map[string]*posguard.ReconException, len(old))
	for _, e := range old {
		byIdent[e.Ident] = e
	}
	seen := make(map[string]bool, len(m.found))
	var exs []*posguard.ReconException
	for _, f := range m.found {
		seen[f.ident] = true
		if f.Source == "" {
			f.Source = SourceCard
		}
		e := byIdent[f.ident]
		if e != nil && e.Status != posguard.ReconResolved {
			// Found again: keep where it stands. An awaiting journal_only
			// becomes open when the next date's run exists.
			if f.Status == posguard.ReconOpen && e.Status == posguard.ReconAwaiting {
				e.Status = posguard.ReconOpen
				if err := r.openCase(ctx, rep.Date, f, e); err != nil {
					return nil, nil, err
				}
			}
		} else {
			if e == nil {
				e = &posguard.ReconException{Ident: f.ident, Date: rep.Date, Class: f.Class}
			}
			e.TxnID, e.MerchantID = f.txnID, f.merchant
			if f.PayoutID != nil {
				e.PayoutID = *f.PayoutID
			}
			if err := r.repair(ctx, rep, f, e); err != nil {
				return nil, nil, err
			}
		}
		e.RunID = rep.RunID
		f.Status = e.Status
		if f.Amount != nil {
			f.AmountYuan = ptr(posguard.Amount(*f.Amount).String())
		}
		f.CaseID = idString(e.CaseID)
		e.Body = encode(f.Exception)
		exs = append(exs, e)
		rep.Exceptions = append(rep.Exceptions, f.Exception)
	}
	bills := map[string]bool{}
	for _, b := range m.qrBills {
		bills[b] = true
	}
	for _, e := range old {
		if seen[e.Ident] || e.Status == posguard.ReconResolved {
			continue
		}
		if b := qrIdentBill(e.Ident); b != "" && !bills[b] {
			continue // its bill is not part of this run: it stands
		}
		if err := r.release(ctx, e, rep.RunID); err != nil {
			return nil, nil, err
		}
		e.Status = posguard.ReconResolved
		e.Body = withStatus(e.Body, e.Status)
		exs = append(exs, e)
		r.note(ctx, e.CaseID, "superseded by run "+rep.RunID+": no longer found")
	}
	for _, apply := range m.applies {
		if err := apply(ctx); err != nil {
			return nil, nil, err
		}
	}
	rep.Totals.File.FeesYuan = posguard.Amount(rep.Totals.File.Fees).String()
	sortReport(rep)
	summarize(rep)
	idents := make([]string, 0, len(rep.Exceptions))
	for _, x := range rep.Exceptions {
		idents = append(idents, x.ident)
	}
	run := &posguard.ReconRun{ID: rep.RunID, Date: rep.Date, ClearingFile: rep.ClearingFile, ClearingSHA: rep.ClearingSHA,
		Report: encode(rep), Idents: idents, CreatedAt: r.now()}
	if rep.BankFile != nil {
		run.BankFile = *rep.BankFile
	}
	run.BankSHA = m.runKey
	return run, exs, nil
}

// withStatus rewrites the status of a stored exception body.
func withStatus(body []byte, status string) []byte {
	var x Exception
	if json.Unmarshal(body, &x) != nil {
		return body
	}
	x.Status = status
	return encode(x)
}

// afterRun records what the run changed for the previous date: its
// journal_only exceptions matched here by late lines are resolved (holds
// released) and the rest, now that this date's run exists, are open with a
// case.
func (r *Reconciler) afterRun(ctx context.Context, rep *Report, m *matcher) error {
	prev := dayOffset(rep.Date, -1)
	late := map[int64]bool{}
	for _, id := range m.late {
		late[id] = true
		if err := r.Store.MarkLate(ctx, id, prev, rep.Date, rep.RunID); err != nil {
			return err
		}
	}
	exs, err := r.allExceptions(ctx, posguard.ReconFilter{Date: prev, Class: posguard.ReconJournalOnly})
	if err != nil {
		return err
	}
	var changed []*posguard.ReconException
	for _, e := range exs {
		switch {
		case e.Status == posguard.ReconResolved:
		case late[e.TxnID]:
			if err := r.release(ctx, e, rep.RunID); err != nil {
				return err
			}
			e.Status = posguard.ReconResolved
			r.note(ctx, e.CaseID, "resolved: a late line of "+rep.Date+" ("+rep.RunID+") cleared it")
			changed = append(changed, e)
		case e.Status == posguard.ReconAwaiting:
			e.Status = posguard.ReconOpen
			var f finding
			json.Unmarshal(e.Body, &f.Exception)
			f.txnID, f.merchant = e.TxnID, e.MerchantID
			if err := r.openCase(ctx, prev, &f, e); err != nil {
				return err
			}
			changed = append(changed, e)
		}
	}
	for _, e := range changed {
		var x Exception
		if json.Unmarshal(e.Body, &x) == nil {
			x.Status, x.CaseID = e.Status, idString(e.CaseID)
			e.Body = encode(x)
		}
	}
	return r.Store.PutExceptions(ctx, changed)
}

// Report returns the stored report of run id with every exception's status
// and case as they stand now (repairs that completed since are shown).
func (r *Reconciler) Report(ctx context.Context, id string) (*Report, error) {
	run, err := r.Store.ReconRun(ctx, id)
	if err != nil {
		return nil, err
	}
	var rep Report
	if err := json.Unmarshal(run.Report, &rep); err != nil {
		return nil, posguard.WrapError(posguard.EINTERNAL, err, "recon run %s: stored report", id)
	}
	if err := r.Refresh(ctx); err != nil {
		return nil, err
	}
	now, err := r.Store.ExceptionsByIdent(ctx, run.Idents)
	if err != nil {
		return nil, err
	}
	for i := range rep.Exceptions {
		if i >= len(run.Idents) {
			break
		}
		if e := now[run.Idents[i]]; e != nil {
			rep.Exceptions[i].Status = e.Status
			rep.Exceptions[i].CaseID = idString(e.CaseID)
		}
	}
	if rep.Exceptions == nil {
		rep.Exceptions = []Exception{}
	}
	if rep.Notes == nil {
		rep.Notes = []Note{}
	}
	summarize(&rep)
	return &rep, nil
}

// Refresh moves exceptions whose repair finished: a credit adjustment the
// network approved makes its exception repaired (and posts the credit out
// of suspense); an acknowledged reversal resolves an await_reversal one.
func (r *Reconciler) Refresh(ctx context.Context) error {
	changed, err := r.refreshQR(ctx)
	if err != nil {
		return err
	}
	if r.Journal == nil {
		return r.Store.PutExceptions(ctx, changed)
	}
	for _, status := range []string{posguard.ReconRepairPending, posguard.ReconOpen} {
		exs, err := r.allExceptions(ctx, posguard.ReconFilter{Status: status, Class: posguard.ReconNetworkOnly})
		if err != nil {
			return err
		}
		dups, err := r.allExceptions(ctx, posguard.ReconFilter{Status: status, Class: posguard.ReconDuplicate})
		if err != nil {
			return err
		}
		for _, e := range append(exs, dups...) {
			var x Exception
			json.Unmarshal(e.Body, &x)
			switch {
			case e.Status == posguard.ReconRepairPending && e.RepairTxnID != 0:
				t, err := r.Journal.ByID(ctx, e.RepairTxnID)
				if err != nil {
					return err
				}
				if t.State != posguard.StateApproved {
					continue
				}
				if err := r.credited(ctx, e, t); err != nil {
					return err
				}
				e.Status = posguard.ReconRepaired
				r.note(ctx, e.CaseID, "repaired: the network approved credit adjustment "+strconv.FormatInt(t.ID, 10)+" (RRN "+t.RRN+")")
			case x.Action == posguard.ActionAwaitReversal && e.TxnID != 0:
				t, err := r.Journal.ByID(ctx, e.TxnID)
				if err != nil {
					return err
				}
				if t.State != posguard.StateReversed {
					continue
				}
				e.Status = posguard.ReconResolved
				r.note(ctx, e.CaseID, "resolved: the network acknowledged the reversal")
			default:
				continue
			}
			x.Status = e.Status
			e.Body = encode(x)
			changed = append(changed, e)
		}
	}
	return r.Store.PutExceptions(ctx, changed)
}
