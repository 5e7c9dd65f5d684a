package casework

import (
	"context"

	"github.com/posguard/posguard"
)

// BatchUnbalanced is a terminal batch whose upload (0320) differs from the
// journal.
type BatchUnbalanced struct {
	TerminalID, MerchantID, Batch string
	Diffs                         []posguard.UploadDiff
}

// OnBatchUnbalanced opens a recon_discrepancy case for b (once per
// terminal and batch: a case opened already is returned as it is): the cause from
// the knowledge base (settlement.batch_upload_mismatch), then one step per
// differing item naming its STAN, card (masked), the terminal's and the
// host's amounts and its likely cause, in Chinese and English. The case's
// transactions are the host's ones involved; its amount the sum of the
// differences in money (a declined or reversed transaction counts as 0 on
// the host's side).
func (s *Service) OnBatchUnbalanced(ctx context.Context, b BatchUnbalanced) (*posguard.Case, error) {
	now := s.now()
	reason := posguard.ReasonBatchUploadMismatch
	cause := causeOf("", reason, nil)
	var amount posguard.Amount
	var txns []int64
	entries := []posguard.CaseEntry{{Kind: posguard.EntryCause, Author: System, Text: cause, At: now}}
	for _, d := range b.Diffs {
		var term, host posguard.Amount
		if d.Terminal != nil {
			term = d.Terminal.Amount
		}
		if d.Host != nil {
			txns = append(txns, d.Host.ID)
			if d.Cause != posguard.UploadHostDeclined && d.Cause != posguard.UploadHostReversed {
				host = d.Host.Amount // a declined or reversed one took nothing
			}
		}
		if term > host {
			amount += term - host
		} else {
			amount += host - term
		}
		entries = append(entries, posguard.CaseEntry{Kind: posguard.EntryStep, Author: System, At: now,
			Text: posguard.MaskFreeText(d.Text("zh") + " / " + d.Text("en"))})
	}
	pr := PriorityFor(posguard.CaseReconDiscrepancy, amount, 0)
	c := &posguard.Case{
		Kind: posguard.CaseReconDiscrepancy, Status: posguard.CaseOpen, Priority: pr, TxnIDs: txns,
		MerchantID: b.MerchantID, TerminalID: b.TerminalID, Subject: BatchUploadSubject(b.TerminalID, b.Batch), Amount: amount, Currency: posguard.CurrencyCNY,
		Reason: reason, Cause: cause, OpenedBy: System, DueAt: DueAt(pr, now),
		Title: "Batch " + b.Batch + " of terminal " + b.TerminalID + ": " + itoa(len(b.Diffs)) + " item(s) of the batch upload differ from the host",
	}
	created, err := s.Store.OpenCase(ctx, c, entries)
	if err != nil {
		return nil, err
	}
	if !created {
		s.log().Info("batch upload differs again: its case is open already", "case", c.ID, "terminal", b.TerminalID, "batch", b.Batch)
		return c, nil
	}
	s.log().Info("case opened", "case", c.ID, "kind", c.Kind, "terminal", b.TerminalID, "batch", b.Batch, "items", len(b.Diffs))
	return c, nil
}

// BatchUploadSubject is the subject of the case of a terminal's batch whose
// upload differs from the journal: one case per terminal and batch, however
// often the batch is uploaded, on whichever instance, across restarts.
func BatchUploadSubject(terminalID, batch string) string {
	return "batch-upload/" + terminalID + "/" + batch
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}
