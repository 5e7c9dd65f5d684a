package storetest

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/posguard/posguard"
)

// runDisputes checks the dispute store: idempotent insert by the network's
// ID, filters (merchant, active, due before), guarded updates and
// evidence with and without its data.
func runDisputes(t *testing.T, h *harness) {
	s0 := h.store(t)
	s, ok := s0.(posguard.DisputeStore)
	if !ok {
		t.Fatalf("%T does not implement posguard.DisputeStore", s0)
	}
	ctx := context.Background()
	raised := time.Date(2026, 3, 5, 2, 0, 0, 0, time.UTC)
	d := &posguard.Dispute{ID: "CB0001", Kind: posguard.DisputeChargeback, ReasonCode: "4515", State: posguard.DisputeOpen,
		TxnID: 42, MerchantID: "M1", TerminalID: "T0000001", RRN: "000000000042", CardMasked: "6225880012345678",
		Amount: 8800, Currency: posguard.CurrencyCNY, TxnDate: "2026-03-01", RaisedAt: raised, DueAt: raised.Add(30 * 24 * time.Hour)}
	created, err := s.PutDispute(ctx, d)
	must(t, err, "put dispute")
	if !created || d.CreatedAt.IsZero() || d.CardMasked != "622588******5678" || !d.DueAt.Equal(raised.Add(30*24*time.Hour)) {
		t.Fatalf("put: created %v %+v", created, d)
	}
	again := &posguard.Dispute{ID: "CB0001", Kind: posguard.DisputeChargeback, ReasonCode: "4512", State: posguard.DisputeOpen,
		TxnID: 7, Amount: 1, RaisedAt: raised, DueAt: raised}
	created, err = s.PutDispute(ctx, again)
	must(t, err, "put again")
	if created || again.ReasonCode != "4515" || again.TxnID != 42 {
		t.Fatalf("second put: created %v, %+v", created, again)
	}
	r := &posguard.Dispute{ID: "RR0001", Kind: posguard.DisputeRetrieval, ReasonCode: "6301", State: posguard.DisputeOpen,
		TxnID: 43, MerchantID: "M2", Amount: 500, RaisedAt: raised, DueAt: raised.Add(7 * 24 * time.Hour)}
	_, err = s.PutDispute(ctx, r)
	must(t, err, "put retrieval")
	if _, err := s.PutDispute(ctx, &posguard.Dispute{ID: "X", Kind: "other", State: posguard.DisputeOpen}); posguard.ErrorCode(err) != posguard.EINVALID {
		t.Errorf("unknown kind: %v", err)
	}
	if _, err := s.Dispute(ctx, "nope"); posguard.ErrorCode(err) != posguard.ENOTFOUND {
		t.Errorf("missing dispute: %v", err)
	}
	list := func(f posguard.DisputeFilter) []string {
		t.Helper()
		ds, err := s.Disputes(ctx, f)
		must(t, err, "disputes")
		var ids []string
		for _, d := range ds {
			ids = append(ids, d.ID)
		}
		return ids
	}
	if got := list(posguard.DisputeFilter{}); len(got) != 2 || got[0] != "RR0001" {
		t.Errorf("all, soonest due first: %v", got)
	}
	if got := list(posguard.DisputeFilter{MerchantID: "M1"}); len(got) != 1 || got[0] != "CB0001" {
		t.Errorf("merchant M1: %v", got)
	}
	if got := list(posguard.DisputeFilter{DueBefore: raised.Add(8 * 24 * time.Hour)}); len(got) != 1 || got[0] != "RR0001" {
		t.Errorf("due before: %v", got)
	}
	if got := list(posguard.DisputeFilter{TxnID: 42, Kind: posguard.DisputeChargeback}); len(got) != 1 {
		t.Errorf("by transaction: %v", got)
	}
	// Guarded updates.
	decided := raised.Add(time.Hour)
	must(t, s.UpdateDispute(ctx, posguard.DisputeUpdate{ID: "RR0001", FromStates: []posguard.DisputeState{posguard.DisputeOpen},
		State: posguard.DisputeWon, CaseID: 9, Outcome: "fulfilled", RespondedAt: decided, DecidedAt: decided}), "decide")
	err = s.UpdateDispute(ctx, posguard.DisputeUpdate{ID: "RR0001", FromStates: []posguard.DisputeState{posguard.DisputeOpen}, State: posguard.DisputeLost})
	if posguard.ErrorCode(err) != posguard.ECONFLICT {
		t.Errorf("update from the wrong state: %v", err)
	}
	if err := s.UpdateDispute(ctx, posguard.DisputeUpdate{ID: "nope", State: posguard.DisputeLost}); posguard.ErrorCode(err) != posguard.ENOTFOUND {
		t.Errorf("update of a missing dispute: %v", err)
	}
	got, err := s.Dispute(ctx, "RR0001")
	must(t, err, "read back")
	if got.State != posguard.DisputeWon || got.CaseID != 9 || got.Outcome != "fulfilled" || !got.DecidedAt.Equal(decided) || got.MerchantID != "M2" {
		t.Errorf("after update: %+v", got)
	}
	if got := list(posguard.DisputeFilter{Active: true}); len(got) != 1 || got[0] != "CB0001" {
		t.Errorf("active: %v", got)
	}
	// Evidence.
	e := &posguard.DisputeEvidence{DisputeID: "CB0001", Source: posguard.EvidenceByPosguard, Kind: posguard.EvidenceReceipt,
		Name: "receipt.txt", ContentType: "text/plain; charset=utf-8", SHA256: "ab", Data: []byte("slip"), Author: "posguard"}
	must(t, s.AddDisputeEvidence(ctx, e), "add evidence")
	if e.ID == 0 || e.Size != 4 {
		t.Errorf("evidence: %+v", e)
	}
	if err := s.AddDisputeEvidence(ctx, &posguard.DisputeEvidence{DisputeID: "nope", Source: "staff", Kind: "text", ContentType: "text/plain", Data: []byte("x")}); posguard.ErrorCode(err) != posguard.ENOTFOUND {
		t.Errorf("evidence of a missing dispute: %v", err)
	}
	es, err := s.DisputeEvidence(ctx, "CB0001")
	must(t, err, "evidence list")
	if len(es) != 1 || es[0].Data != nil || es[0].Name != "receipt.txt" || es[0].Size != 4 {
		t.Errorf("evidence list: %+v", es)
	}
	item, err := s.DisputeEvidenceItem(ctx, "CB0001", e.ID)
	must(t, err, "evidence item")
	if !bytes.Equal(item.Data, []byte("slip")) {
		t.Errorf("evidence data %q", item.Data)
	}
	if _, err := s.DisputeEvidenceItem(ctx, "RR0001", e.ID); posguard.ErrorCode(err) != posguard.ENOTFOUND {
		t.Errorf("evidence under another dispute: %v", err)
	}
}
