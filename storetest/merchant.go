package storetest

import (
	"reflect"
	"testing"
	"time"

	"github.com/posguard/posguard"
)

func sampleMerchant(id string) *posguard.Merchant {
	return &posguard.Merchant{
		ID:           id,
		Name:         "上海示例便利店 Example Mart",
		MCC:          "5411",
		Status:       posguard.MerchantActive,
		Kind:         "enterprise",
		FeePlan:      "standard-0.6",
		Limits:       posguard.Limits{PerTxn: 5_000_000, Daily: 20_000_000, DailyCount: 300, CardDaily: 1_000_000, CardDailyCount: 5, TerminalDaily: 9_000_000, TerminalDailyCount: 100},
		AllowedTypes: []posguard.TxnType{posguard.TxnSale, posguard.TxnVoid, posguard.TxnRefund},
		Account:      posguard.SettlementAccount{Bank: "ICBC", Number: "6222020000000001", Name: "示例便利店", Status: "ok"},
	}
}

// stripMerchantTimes returns a copy of m without its times, for DeepEqual.
func stripMerchantTimes(m *posguard.Merchant) posguard.Merchant {
	c := *m
	c.StatusSince, c.UpdatedAt = time.Time{}, time.Time{}
	return c
}

func testMerchants(t *testing.T, h *harness) {
	t.Run("RoundTrip", func(t *testing.T) {
		s := h.store(t)
		m := sampleMerchant("898310048990001")
		must(t, s.PutMerchant(t.Context(), m), "put")
		if m.StatusSince.IsZero() || m.UpdatedAt.IsZero() {
			t.Fatalf("put did not set StatusSince/UpdatedAt: %+v", m)
		}
		got, err := s.Merchant(t.Context(), m.ID)
		must(t, err, "get")
		if !reflect.DeepEqual(stripMerchantTimes(got), stripMerchantTimes(m)) {
			t.Fatalf("round trip:\n got %+v\nwant %+v", got, m)
		}
		wantTime(t, got.StatusSince, m.StatusSince, "StatusSince")
		wantTime(t, got.UpdatedAt, m.UpdatedAt, "UpdatedAt")
	})

	t.Run("NoAllowedTypes", func(t *testing.T) {
		s := h.store(t)
		m := sampleMerchant("M-ALL")
		m.AllowedTypes = nil
		must(t, s.PutMerchant(t.Context(), m), "put")
		got, err := s.Merchant(t.Context(), m.ID)
		must(t, err, "get")
		if len(got.AllowedTypes) != 0 || !got.Allows(posguard.TxnPreAuth) {
			t.Fatalf("AllowedTypes = %v, want none (all allowed)", got.AllowedTypes)
		}
	})

	t.Run("StatusSince", func(t *testing.T) {
		s := h.store(t)
		past := time.Date(2020, 1, 2, 3, 4, 5, 6000, time.UTC)
		m := sampleMerchant("M1")
		m.StatusSince = past
		must(t, s.PutMerchant(t.Context(), m), "put new")
		wantTime(t, m.StatusSince, past, "new merchant keeps the given StatusSince")

		// Same status, other data: StatusSince stays.
		m2 := sampleMerchant("M1")
		m2.Name = "Renamed"
		must(t, s.PutMerchant(t.Context(), m2), "put same status")
		got, err := s.Merchant(t.Context(), "M1")
		must(t, err, "get")
		if got.Name != "Renamed" {
			t.Fatalf("name not updated: %q", got.Name)
		}
		wantTime(t, got.StatusSince, past, "StatusSince after an update without status change")

		// Status change: StatusSince moves to now.
		before := time.Now().Add(-time.Second)
		m3 := sampleMerchant("M1")
		m3.Status = posguard.MerchantFrozen
		m3.StatusSince = past // ignored: the status changed
		must(t, s.PutMerchant(t.Context(), m3), "put frozen")
		got, err = s.Merchant(t.Context(), "M1")
		must(t, err, "get")
		if got.Status != posguard.MerchantFrozen || got.StatusSince.Before(before) {
			t.Fatalf("after status change: status %s since %v, want frozen since about now", got.Status, got.StatusSince)
		}
	})

	t.Run("NotFound", func(t *testing.T) {
		s := h.store(t)
		m, err := s.Merchant(t.Context(), "NOPE")
		wantCode(t, err, posguard.ENOTFOUND, "missing merchant")
		if m != nil {
			t.Fatalf("missing merchant returned %+v", m)
		}
	})

	t.Run("Invalid", func(t *testing.T) {
		s := h.store(t)
		wantCode(t, s.PutMerchant(t.Context(), &posguard.Merchant{Status: posguard.MerchantActive}), posguard.EINVALID, "empty ID")
		bad := sampleMerchant("M2")
		bad.Status = "sleepy"
		wantCode(t, s.PutMerchant(t.Context(), bad), posguard.EINVALID, "unknown status")
		_, err := s.Merchant(t.Context(), "M2")
		wantCode(t, err, posguard.ENOTFOUND, "rejected merchant must not be stored")
	})

	t.Run("ListOrdered", func(t *testing.T) {
		s := h.store(t)
		list, err := s.Merchants(t.Context())
		must(t, err, "list empty")
		if len(list) != 0 {
			t.Fatalf("empty store lists %d merchants", len(list))
		}
		for _, id := range []string{"M3", "M1", "M2"} {
			must(t, s.PutMerchant(t.Context(), sampleMerchant(id)), "put "+id)
		}
		list, err = s.Merchants(t.Context())
		must(t, err, "list")
		var ids []string
		for _, m := range list {
			ids = append(ids, m.ID)
		}
		if !reflect.DeepEqual(ids, []string{"M1", "M2", "M3"}) {
			t.Fatalf("merchants %v, want M1 M2 M3", ids)
		}
	})

	t.Run("SetLimits", func(t *testing.T) {
		s := h.store(t)
		ls, ok := s.(posguard.MerchantLimitStore)
		if !ok {
			t.Fatalf("%T is not a posguard.MerchantLimitStore", s)
		}
		m := sampleMerchant("M-LIM")
		m.Status = posguard.MerchantFrozen
		must(t, s.PutMerchant(t.Context(), m), "put")
		want := posguard.Limits{PerTxn: 12_345, Daily: 0, DailyCount: 7, CardDaily: 50_000, CardDailyCount: 3, TerminalDaily: 900_000, TerminalDailyCount: 40}
		got, err := ls.SetMerchantLimits(t.Context(), m.ID, want)
		must(t, err, "set limits")
		if got.Limits != want || got.Status != posguard.MerchantFrozen || got.Name != m.Name {
			t.Fatalf("returned %+v, want limits %+v and the rest unchanged", got, want)
		}
		wantTime(t, got.StatusSince, m.StatusSince, "StatusSince after a limit change")
		stored, err := s.Merchant(t.Context(), m.ID)
		must(t, err, "get")
		m.Limits = want
		if !reflect.DeepEqual(stripMerchantTimes(stored), stripMerchantTimes(m)) {
			t.Fatalf("stored %+v\nwant %+v", stored, m)
		}
		_, err = ls.SetMerchantLimits(t.Context(), "NOPE", want)
		wantCode(t, err, posguard.ENOTFOUND, "limits of a missing merchant")
		_, err = ls.SetMerchantLimits(t.Context(), m.ID, posguard.Limits{PerTxn: -1})
		wantCode(t, err, posguard.EINVALID, "negative limit")
		_, err = ls.SetMerchantLimits(t.Context(), m.ID, posguard.Limits{CardDailyCount: -1})
		wantCode(t, err, posguard.EINVALID, "negative per-card limit")
		stored, _ = s.Merchant(t.Context(), m.ID)
		if stored.Limits != want {
			t.Fatalf("refused change stored %+v", stored.Limits)
		}
	})
	// A status change, its history event and its audit record commit
	// together or not at all.
	t.Run("SetStatus", func(t *testing.T) {
		s := h.store(t)
		ctx := t.Context()
		m := sampleMerchant("898310048990001")
		must(t, s.PutMerchant(ctx, m), "put")
		ev := func() *posguard.MerchantEvent {
			return &posguard.MerchantEvent{MerchantID: m.ID, Actor: "risk1", Action: "frozen", Reason: "cash-out"}
		}
		rec := &posguard.AuditRecord{User: "risk1", Action: "merchant.freeze", Object: "merchants/" + m.ID, Outcome: "ok"}
		_, err := s.SetMerchantStatus(ctx, m.ID, posguard.MerchantActive, posguard.MerchantFrozen, ev(), &posguard.AuditRecord{User: "x"})
		wantCode(t, err, posguard.EINVALID, "status change with a refused audit record")
		got, err := s.SetMerchantStatus(ctx, m.ID, posguard.MerchantFrozen, posguard.MerchantActive, ev())
		wantCode(t, err, posguard.ECONFLICT, "from a status it is not in")
		_, err = s.SetMerchantStatus(ctx, "NOPE", posguard.MerchantActive, posguard.MerchantFrozen, nil)
		wantCode(t, err, posguard.ENOTFOUND, "unknown merchant")
		if stored, _ := s.Merchant(ctx, m.ID); stored.Status != posguard.MerchantActive {
			t.Fatalf("refused changes left status %s", stored.Status)
		}
		ob := sideOf[OnboardingStorer](t, s).Onboarding()
		if evs, _ := ob.MerchantEvents(ctx, m.ID, 10); len(evs) != 0 {
			t.Fatalf("refused changes left events %+v", evs)
		}
		got, err = s.SetMerchantStatus(ctx, m.ID, posguard.MerchantActive, posguard.MerchantFrozen, ev(), rec)
		must(t, err, "freeze")
		if got.Status != posguard.MerchantFrozen || got.Name != m.Name {
			t.Fatalf("frozen merchant %+v", got)
		}
		if stored, _ := s.Merchant(ctx, m.ID); stored.Status != posguard.MerchantFrozen {
			t.Fatalf("stored status %s", stored.Status)
		}
		if evs, _ := ob.MerchantEvents(ctx, m.ID, 10); len(evs) != 1 || evs[0].Action != "frozen" || evs[0].Reason != "cash-out" {
			t.Fatalf("events %+v", evs)
		}
		recs, err := sideOf[AccessStorer](t, s).Access().AuditRecords(ctx, posguard.AuditFilter{Object: "merchants/" + m.ID})
		must(t, err, "audit")
		if len(recs) != 1 || recs[0].Action != "merchant.freeze" {
			t.Fatalf("audit records %+v", recs)
		}
	})
}
