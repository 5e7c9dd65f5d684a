package storetest

import (
	"reflect"
	"testing"
	"time"

	"github.com/posguard/posguard"
)

// stripTxnTimes returns a copy of x without its times, for DeepEqual.
func stripTxnTimes(x *posguard.Transaction) posguard.Transaction {
	c := *x
	c.CreatedAt, c.UpdatedAt = time.Time{}, time.Time{}
	return c
}

// wantTxn fails t unless got equals want field by field (times to the
// microsecond).
func wantTxn(t *testing.T, got, want *posguard.Transaction, what string) {
	t.Helper()
	if !reflect.DeepEqual(stripTxnTimes(got), stripTxnTimes(want)) {
		t.Fatalf("%s:\n got %+v answer %+v\nwant %+v answer %+v", what,
			stripTxnTimes(got), got.Answer, stripTxnTimes(want), want.Answer)
	}
	wantTime(t, got.CreatedAt, want.CreatedAt, what+" CreatedAt")
	wantTime(t, got.UpdatedAt, want.UpdatedAt, what+" UpdatedAt")
}

func testJournal(t *testing.T, h *harness) {
	t.Run("InsertAndGet", func(t *testing.T) {
		s := h.store(t)
		in := txn("10000001", "000101")
		in.RRN, in.AuthCode, in.OrigID = "260301000101", "A1B2C3", 0
		in.UpstreamSTAN, in.UpstreamTime = "554433", "0301083000"
		in.Answer = &posguard.Answer{Code: "00", RRN: "260301000101", AuthCode: "A1B2C3", LocalTime: "083000",
			LocalDate: "0301", SettleDate: "0301", AddlResponse: "0310000   0320000   ", CardOrg: "CUP", AcquirerID: "48020000"}
		in.Detail = map[string]string{"gate": "limit.daily", "note": "超限 \"quoted\"\nline", "empty": ""}
		before := time.Now().Add(-time.Second)
		insert(t, s, in)
		if in.ID <= 0 || in.CreatedAt.Before(before) || !in.UpdatedAt.Equal(in.CreatedAt) {
			t.Fatalf("insert set ID %d CreatedAt %v UpdatedAt %v", in.ID, in.CreatedAt, in.UpdatedAt)
		}
		byID, err := s.ByID(t.Context(), in.ID)
		must(t, err, "ByID")
		wantTxn(t, byID, in, "ByID")
		byKey, err := s.ByKey(t.Context(), in.TxnKey)
		must(t, err, "ByKey")
		wantTxn(t, byKey, in, "ByKey")

		evs, err := s.Events(t.Context(), in.ID)
		must(t, err, "events")
		if len(evs) != 1 || evs[0].TxnID != in.ID || evs[0].State != in.State || evs[0].Code != "00" || evs[0].Reason != posguard.ReasonApproved {
			t.Fatalf("first event %+v", evs)
		}
		wantTime(t, evs[0].At, in.CreatedAt, "first event At")
	})

	t.Run("NoAnswerNoDetail", func(t *testing.T) {
		s := h.store(t)
		in := insert(t, s, txn("10000001", "000102"))
		got, err := s.ByID(t.Context(), in.ID)
		must(t, err, "ByID")
		if got.Answer != nil || got.Detail != nil {
			t.Fatalf("answer %+v detail %v, want nil", got.Answer, got.Detail)
		}
	})

	t.Run("DuplicateKey", func(t *testing.T) {
		s := h.store(t)
		first := insert(t, s, txn("10000001", "000103"))
		dup := txn("10000001", "000103")
		dup.Amount = 999
		wantCode(t, s.Insert(t.Context(), dup), posguard.ECONFLICT, "same TxnKey")
		got, err := s.ByKey(t.Context(), first.TxnKey)
		must(t, err, "ByKey")
		if got.ID != first.ID || got.Amount != first.Amount {
			t.Fatalf("duplicate insert changed the journal: %+v", got)
		}
		// Any part of the key differing makes a new entry (a reversal shares
		// its original's STAN with another MTI).
		for _, k := range []posguard.TxnKey{
			{TerminalID: "10000001", Batch: "000001", STAN: "000103", MTI: "0400"},
			{TerminalID: "10000001", Batch: "000002", STAN: "000103", MTI: "0200"},
			{TerminalID: "10000002", Batch: "000001", STAN: "000103", MTI: "0200"},
			{TerminalID: "10000001", Batch: "000001", STAN: "000104", MTI: "0200"},
		} {
			x := txn(k.TerminalID, k.STAN)
			x.TxnKey = k
			must(t, s.Insert(t.Context(), x), "insert "+k.MTI+"/"+k.Batch+"/"+k.TerminalID)
		}
	})

	t.Run("Invalid", func(t *testing.T) {
		s := h.store(t)
		x := txn("10000001", "000105")
		x.State = ""
		wantCode(t, s.Insert(t.Context(), x), posguard.EINVALID, "no state")
		x = txn("10000001", "000105")
		x.Type = ""
		wantCode(t, s.Insert(t.Context(), x), posguard.EINVALID, "no type")
	})

	t.Run("NotFound", func(t *testing.T) {
		s := h.store(t)
		x, err := s.ByID(t.Context(), 12345)
		wantCode(t, err, posguard.ENOTFOUND, "ByID")
		if x != nil {
			t.Fatal("ByID returned a transaction with ENOTFOUND")
		}
		_, err = s.ByKey(t.Context(), posguard.TxnKey{TerminalID: "1", Batch: "000001", STAN: "1", MTI: "0200"})
		wantCode(t, err, posguard.ENOTFOUND, "ByKey")
		_, err = s.Events(t.Context(), 12345)
		wantCode(t, err, posguard.ENOTFOUND, "Events")
	})

	t.Run("ByRRN", func(t *testing.T) {
		s := h.store(t)
		sale := txn("10000001", "000201")
		sale.RRN = "260301000201"
		insert(t, s, sale)
		refund := txn("10000001", "000202")
		refund.Type, refund.RRN, refund.OrigID = posguard.TxnRefund, "260301000201", sale.ID
		insert(t, s, refund)
		rev := txn("10000001", "000201")
		rev.MTI, rev.Type, rev.RRN = "0400", posguard.TxnReversal, "260301000201"
		insert(t, s, rev)
		other := txn("10000001", "000203")
		other.RRN = "260301000203"
		insert(t, s, other)

		got, err := s.ByRRN(t.Context(), "260301000201")
		must(t, err, "ByRRN")
		if len(got) != 2 || got[0].ID != refund.ID || got[1].ID != sale.ID {
			t.Fatalf("ByRRN returned %d entries, want refund then sale (no reversal)", len(got))
		}
		none, err := s.ByRRN(t.Context(), "999999999999")
		must(t, err, "ByRRN none")
		if none == nil || len(none) != 0 {
			t.Fatalf("ByRRN for an unknown RRN = %v, want an empty slice", none)
		}
	})

	t.Run("MaxID", func(t *testing.T) {
		s := h.store(t)
		id, err := s.MaxID(t.Context())
		must(t, err, "MaxID empty")
		if id != 0 {
			t.Fatalf("MaxID of an empty journal = %d", id)
		}
		var last int64
		for _, stan := range []string{"000301", "000302", "000303"} {
			last = insert(t, s, txn("10000001", stan)).ID
		}
		id, err = s.MaxID(t.Context())
		must(t, err, "MaxID")
		if id != last {
			t.Fatalf("MaxID = %d, want %d", id, last)
		}
	})
}
