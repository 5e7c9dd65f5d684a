package switching

import (
	"context"

	"github.com/posguard/posguard"
)

// Batch upload (0320) 60.3 codes that end an upload: 202 "upload end,
// unbalanced" (spec §6) and 207 "upload end" (as UnionPay terminals send
// after a balanced settlement). The others (201, 203–206, 208, 209) carry
// detail.
const (
	uploadEndUnbalanced = "202"
	uploadEnd           = "207"
)

// prevBatch is the batch before b (000001 comes after 999999).
func prevBatch(b string) string {
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return ""
		}
		n = n*10 + int(c-'0')
	}
	n--
	if n <= 0 {
		n = 999999
	}
	return pad(int64(n), 6)
}

// uploadBatchOK reports whether a batch upload may name batch: the open
// one (a terminal that uploads before it settles) or the one the last
// settlement closed (the usual case: 0500 unbalanced, then 0320).
func uploadBatchOK(t *posguard.Terminal, batch string) bool {
	return batch == t.Batch || batch == prevBatch(t.Batch)
}

// batchUpload stores the records of a batch upload and, on the message
// that ends it, compares the batch's upload with the journal; differences
// go to BatchUnbalanced (casework opens a case listing each item). The
// upload is answered 00 and not journaled (it moves no money).
func (s *Switch) batchUpload(ctx context.Context, t *posguard.Terminal, req *posguard.TerminalRequest) *posguard.TerminalResponse {
	ok := &posguard.TerminalResponse{Answer: answerFor(posguard.ReasonApproved), Reason: posguard.ReasonApproved, Terminal: t}
	bu := s.store
	if len(req.Uploads) > 0 {
		items := make([]posguard.UploadItem, 0, len(req.Uploads))
		for _, r := range req.Uploads {
			it := posguard.UploadItem{TerminalID: t.ID, Batch: req.Batch, STAN: r.STAN, CardOrg: r.CardOrg,
				PANMasked: r.PAN.String(), Amount: r.Amount, UploadedAt: s.Now()}
			if s.hasher != nil {
				it.PANHash = s.hasher.PANHash(r.PAN)
			}
			items = append(items, it)
		}
		if err := bu.PutUploadItems(ctx, items); err != nil {
			s.log.Error("store batch upload", "terminal", t.ID, "batch", req.Batch, "err", err)
			return reject(t, posguard.ReasonHostFault)
		}
	}
	if req.NetMgmt != uploadEndUnbalanced && req.NetMgmt != uploadEnd {
		return ok
	}
	if _, done := s.uploadEnds.LoadOrStore(t.ID+"/"+req.Batch, true); done {
		return ok // a repeated end: compared already
	}
	items, err := bu.UploadItems(ctx, t.ID, req.Batch)
	if err != nil {
		s.uploadEnds.Delete(t.ID + "/" + req.Batch)
		s.log.Error("read batch upload", "terminal", t.ID, "batch", req.Batch, "err", err)
		return reject(t, posguard.ReasonHostFault)
	}
	txns, err := bu.BatchTransactions(ctx, t.ID, req.Batch)
	if err != nil {
		s.uploadEnds.Delete(t.ID + "/" + req.Batch)
		s.log.Error("read batch", "terminal", t.ID, "batch", req.Batch, "err", err)
		return reject(t, posguard.ReasonHostFault)
	}
	diffs := posguard.CompareUpload(items, txns)
	if len(diffs) == 0 {
		s.log.Info("batch upload matches the journal", "terminal", t.ID, "batch", req.Batch, "items", len(items))
		return ok
	}
	s.log.Warn("batch upload differs from the journal", "terminal", t.ID, "batch", req.Batch, "items", len(items), "differences", len(diffs))
	if s.BatchUnbalanced != nil {
		s.BatchUnbalanced(ctx, t, req.Batch, diffs)
	}
	return ok
}
