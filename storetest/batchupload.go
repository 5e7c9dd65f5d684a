package storetest

import (
	"testing"
	"time"

	"github.com/posguard/posguard"
)

// testBatchUpload checks the batch-upload items (stored per terminal and
// batch, replaced on a second upload of a STAN) and the journal's reading
// of one batch.
func testBatchUpload(t *testing.T, h *harness) {
	s := h.store(t)
	bu, ok := s.(posguard.BatchUploadStore)
	if !ok {
		t.Fatalf("%T is not a posguard.BatchUploadStore", s)
	}
	ctx := t.Context()
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	item := func(tid, batch, stan string, amount posguard.Amount) posguard.UploadItem {
		return posguard.UploadItem{TerminalID: tid, Batch: batch, STAN: stan, CardOrg: "00", PANMasked: "622588******0019", PANHash: "h" + stan, Amount: amount, UploadedAt: at}
	}
	must(t, bu.PutUploadItems(ctx, []posguard.UploadItem{item("T1", "000001", "000002", 200), item("T1", "000001", "000001", 100),
		item("T1", "000002", "000001", 999), item("T2", "000001", "000001", 999)}), "put")
	must(t, bu.PutUploadItems(ctx, []posguard.UploadItem{item("T1", "000001", "000002", 250)}), "put again")
	must(t, bu.PutUploadItems(ctx, nil), "put nothing")
	got, err := bu.UploadItems(ctx, "T1", "000001")
	must(t, err, "items")
	if len(got) != 2 || got[0].STAN != "000001" || got[1].Amount != 250 || got[0].PANHash != "h000001" || !got[0].UploadedAt.Equal(at) {
		t.Fatalf("items %+v", got)
	}
	if got, err := bu.UploadItems(ctx, "T9", "000001"); err != nil || got == nil || len(got) != 0 {
		t.Fatalf("items of an unknown batch: %v %v", got, err)
	}

	a := insert(t, s, txn("T1", "000001"))
	b := insert(t, s, txn("T1", "000002"))
	other := txn("T1", "000003")
	other.Batch = "000002"
	insert(t, s, other)
	txns, err := bu.BatchTransactions(ctx, "T1", "000001")
	must(t, err, "batch transactions")
	if len(txns) != 2 || txns[0].ID != a.ID || txns[1].ID != b.ID {
		t.Fatalf("batch transactions %v", ids(txns))
	}
}
