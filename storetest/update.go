package storetest

import (
	"reflect"
	"testing"
	"time"

	"github.com/posguard/posguard"
)

func testUpdate(t *testing.T, h *harness) {
	t.Run("Fields", func(t *testing.T) {
		s := h.store(t)
		in := txn("10000001", "000401")
		in.State, in.ResponseCode, in.Reason = posguard.StateForwarded, "", ""
		in.Detail = map[string]string{"keep": "1", "change": "old"}
		insert(t, s, in)

		at := time.Date(2026, 3, 1, 8, 31, 2, 345678000, time.UTC)
		ans := &posguard.Answer{Code: "00", RRN: "260301000401", AuthCode: "XY1234"}
		must(t, s.Update(t.Context(), posguard.TxnUpdate{
			ID: in.ID, FromStates: []posguard.State{posguard.StateReceived, posguard.StateForwarded},
			State: posguard.StateApproved, ResponseCode: "00", Reason: posguard.ReasonApproved,
			AuthCode: "XY1234", RRN: "260301000401", UpstreamSTAN: "000777", UpstreamTime: "0301083102",
			Answer: ans, Detail: map[string]string{"change": "new", "added": "x"}, Note: "approved upstream", At: at,
		}), "update")

		got, err := s.ByID(t.Context(), in.ID)
		must(t, err, "ByID")
		want := *in
		want.State, want.ResponseCode, want.Reason = posguard.StateApproved, "00", posguard.ReasonApproved
		want.AuthCode, want.RRN, want.UpstreamSTAN, want.UpstreamTime = "XY1234", "260301000401", "000777", "0301083102"
		want.Answer = ans
		want.Detail = map[string]string{"keep": "1", "change": "new", "added": "x"}
		want.UpdatedAt = got.UpdatedAt
		wantTxn(t, got, &want, "after update")
		if got.UpdatedAt.Before(in.UpdatedAt) {
			t.Fatalf("UpdatedAt went back: %v < %v", got.UpdatedAt, in.UpdatedAt)
		}

		// Zero fields leave everything alone; refunds add up; the answer is
		// replaced as a whole.
		must(t, s.Update(t.Context(), posguard.TxnUpdate{ID: in.ID, AddRefunded: 300}), "refund 1")
		ans2 := &posguard.Answer{Code: "00", RRN: "260301000401"}
		must(t, s.Update(t.Context(), posguard.TxnUpdate{ID: in.ID, AddRefunded: 200, State: posguard.StatePartRefunded, Answer: ans2}), "refund 2")
		got, err = s.ByID(t.Context(), in.ID)
		must(t, err, "ByID")
		want.RefundedAmount, want.State, want.Answer, want.UpdatedAt = 500, posguard.StatePartRefunded, ans2, got.UpdatedAt
		wantTxn(t, got, &want, "after refunds")

		evs, err := s.Events(t.Context(), in.ID)
		must(t, err, "events")
		wantStates := []posguard.State{posguard.StateForwarded, posguard.StateApproved, posguard.StateApproved, posguard.StatePartRefunded}
		if len(evs) != len(wantStates) {
			t.Fatalf("%d events, want %d", len(evs), len(wantStates))
		}
		for i, e := range evs {
			if e.State != wantStates[i] || e.TxnID != in.ID {
				t.Fatalf("event %d: %+v, want state %s", i, e, wantStates[i])
			}
		}
		if evs[1].Code != "00" || evs[1].Reason != posguard.ReasonApproved || evs[1].Note != "approved upstream" {
			t.Fatalf("event 1 %+v", evs[1])
		}
		wantTime(t, evs[1].At, at, "event At from the update")
		if evs[2].At.IsZero() || evs[2].Code != "" {
			t.Fatalf("event 2 %+v: want At defaulted to now and no code", evs[2])
		}
	})

	t.Run("FromStatesConflict", func(t *testing.T) {
		s := h.store(t)
		in := insert(t, s, txn("10000001", "000402")) // approved
		err := s.Update(t.Context(), posguard.TxnUpdate{
			ID: in.ID, FromStates: []posguard.State{posguard.StateForwarded}, State: posguard.StateDeclined,
			ResponseCode: "51", Detail: map[string]string{"x": "y"}, AddRefunded: 5,
			QueueReversal: &posguard.Reversal{Reason: posguard.ReasonNetworkTimeout},
		})
		wantCode(t, err, posguard.ECONFLICT, "FromStates not matched")
		got, err := s.ByID(t.Context(), in.ID)
		must(t, err, "ByID")
		wantTxn(t, got, in, "a refused update changes nothing")
		evs, err := s.Events(t.Context(), in.ID)
		must(t, err, "events")
		if len(evs) != 1 {
			t.Fatalf("a refused update appended events: %+v", evs)
		}
		_, err = s.PendingReversalFor(t.Context(), in.ID)
		wantCode(t, err, posguard.ENOTFOUND, "a refused update queued a reversal")
	})

	t.Run("NotFound", func(t *testing.T) {
		s := h.store(t)
		wantCode(t, s.Update(t.Context(), posguard.TxnUpdate{ID: 999, State: posguard.StateApproved}), posguard.ENOTFOUND, "unknown ID")
		wantCode(t, s.Update(t.Context(), posguard.TxnUpdate{ID: 999, FromStates: []posguard.State{posguard.StateForwarded}}),
			posguard.ENOTFOUND, "unknown ID with FromStates")
	})

	t.Run("DetailJSON", func(t *testing.T) {
		s := h.store(t)
		in := txn("10000001", "000403")
		in.Detail = nil
		insert(t, s, in)
		d := map[string]string{"中文": "值", "quote": `a"b\c`, "nl": "x\ny", "json": `{"k":[1,2]}`, "null": "null"}
		must(t, s.Update(t.Context(), posguard.TxnUpdate{ID: in.ID, Detail: d}), "update detail")
		got, err := s.ByID(t.Context(), in.ID)
		must(t, err, "ByID")
		if !reflect.DeepEqual(got.Detail, d) {
			t.Fatalf("detail %#v, want %#v", got.Detail, d)
		}
	})
}
