package storetest

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/posguard/posguard"
)

// OnboardingStorer is a store with an onboarding and risk side.
type OnboardingStorer interface {
	Onboarding() posguard.OnboardingStore
}

// runOnboarding runs the onboarding and risk checks.
func runOnboarding(t *testing.T, h *harness) {
	runGroups(t, h, func(t *testing.T, s posguard.Store) posguard.OnboardingStore {
		return sideOf[OnboardingStorer](t, s).Onboarding()
	}, []group[posguard.OnboardingStore]{
		{"Applications", testApplications},
		{"Approve", testApprove},
		{"Documents", testDocuments},
		{"DuplicatesAndBlacklist", testDuplicates},
		{"Bindings", testBindings},
		{"MerchantEvents", testMerchantEvents},
		{"RiskRules", testRiskRules},
		{"RiskHits", testRiskHits},
	})
}

func testApplications(t *testing.T, _ posguard.Store, o posguard.OnboardingStore) {
	ctx := context.Background()
	a := &posguard.Application{Kind: "individual", Name: "小店", LegalIDNo: "310101198503121236", State: posguard.AppDraft, CreatedBy: "op1",
		Account: posguard.SettlementAccount{Bank: "ICBC", Number: "6222", Name: "张晓明"}}
	wantCode(t, o.CreateApplication(ctx, a), "", "create")
	if a.ID == 0 || a.CreatedAt.IsZero() {
		t.Fatalf("create did not set ID and time: %+v", a)
	}
	got, err := o.Application(ctx, a.ID)
	wantCode(t, err, "", "read")
	if got.Name != "小店" || got.Account.Name != "张晓明" || got.State != posguard.AppDraft || got.CreatedBy != "op1" {
		t.Fatalf("read back %+v", got)
	}
	_, err = o.Application(ctx, a.ID+100)
	wantCode(t, err, posguard.ENOTFOUND, "unknown")

	a.State = posguard.AppReturned
	a.Checks = []posguard.Check{{Name: "legal_id_no", Reason: posguard.Text{ZH: "错", EN: "wrong"}, Field: "legal_id_no"}}
	a.Returned = map[string]string{"legal_id_no": "wrong"}
	wantCode(t, o.UpdateApplication(ctx, a, posguard.AppDraft, posguard.ApplicationEvent{Actor: "op1", From: "draft", To: "returned"}), "", "submit")
	wantCode(t, o.UpdateApplication(ctx, a, posguard.AppDraft, posguard.ApplicationEvent{Actor: "op1"}), posguard.ECONFLICT, "stale state")
	bogus := *a
	bogus.ID = a.ID + 100
	wantCode(t, o.UpdateApplication(ctx, &bogus, posguard.AppDraft, posguard.ApplicationEvent{}), posguard.ENOTFOUND, "unknown update")
	got, _ = o.Application(ctx, a.ID)
	if got.State != posguard.AppReturned || len(got.Checks) != 1 || got.Checks[0].Field != "legal_id_no" || got.Returned["legal_id_no"] != "wrong" {
		t.Fatalf("after update %+v", got)
	}
	hist, err := o.ApplicationHistory(ctx, a.ID)
	wantCode(t, err, "", "history")
	if len(hist) != 2 || hist[0].To != "draft" || hist[1].From != "draft" || hist[1].To != "returned" {
		t.Fatalf("history %+v", hist)
	}
	b := &posguard.Application{Kind: "small", State: posguard.AppDraft, CreatedBy: "op2"}
	wantCode(t, o.CreateApplication(ctx, b), "", "create second")
	list, err := o.Applications(ctx, posguard.AppReturned, 0)
	wantCode(t, err, "", "list")
	if len(list) != 1 || list[0].ID != a.ID {
		t.Fatalf("returned list %+v", list)
	}
	if list, _ = o.Applications(ctx, "", 0); len(list) != 2 || list[0].ID != b.ID {
		t.Fatalf("list all: %d, newest first wanted", len(list))
	}
}

// testApprove: an approval stores the application, the merchant's identity
// and the merchant together, or none of them.
func testApprove(t *testing.T, s posguard.Store, o posguard.OnboardingStore) {
	ctx := context.Background()
	a := &posguard.Application{Kind: "individual", Name: "小店", LicenseNo: "91310000MA1", State: posguard.AppPendingReview, CreatedBy: "op1"}
	must(t, o.CreateApplication(ctx, a), "create")
	ev := posguard.ApplicationEvent{Actor: "rev", From: string(posguard.AppPendingReview), To: string(posguard.AppApproved)}
	approved := *a
	approved.State, approved.MerchantID = posguard.AppApproved, "898310048990077"
	// The merchant is refused (unknown status): the application stays
	// pending and neither the merchant nor its identity is stored.
	bad := &posguard.Merchant{ID: approved.MerchantID, Name: "小店", Status: "sleeping"}
	wantCode(t, o.ApproveApplication(ctx, &approved, posguard.AppPendingReview, ev, bad), posguard.EINVALID, "approve with a refused merchant")
	got, err := o.Application(ctx, a.ID)
	must(t, err, "read")
	if got.State != posguard.AppPendingReview || got.MerchantID != "" {
		t.Fatalf("a failed approval changed the application: %+v", got)
	}
	_, err = s.Merchant(ctx, approved.MerchantID)
	wantCode(t, err, posguard.ENOTFOUND, "merchant of a failed approval")
	if dups, err := o.Duplicates(ctx, 0, a.LicenseNo, ""); err != nil || len(dups) != 1 || dups[0] != "application/"+strconv.FormatInt(a.ID, 10) {
		t.Fatalf("identity of a failed approval: %v, %v", dups, err)
	}
	good := &posguard.Merchant{ID: approved.MerchantID, Name: "小店", Status: posguard.MerchantActive}
	must(t, o.ApproveApplication(ctx, &approved, posguard.AppPendingReview, ev, good), "approve")
	if got, _ = o.Application(ctx, a.ID); got.State != posguard.AppApproved || got.MerchantID != good.ID {
		t.Fatalf("approved application %+v", got)
	}
	if m, err := s.Merchant(ctx, good.ID); err != nil || m.Status != posguard.MerchantActive {
		t.Fatalf("approved merchant %+v, %v", m, err)
	}
	if dups, _ := o.Duplicates(ctx, 0, a.LicenseNo, ""); len(dups) != 1 || dups[0] != "merchant/"+good.ID {
		t.Fatalf("identity after approval: %v", dups)
	}
	wantCode(t, o.ApproveApplication(ctx, &approved, posguard.AppPendingReview, ev, good), posguard.ECONFLICT, "second approval")
}

func testDocuments(t *testing.T, _ posguard.Store, o posguard.OnboardingStore) {
	ctx := context.Background()
	a := &posguard.Application{Kind: "individual", State: posguard.AppDraft, CreatedBy: "op"}
	wantCode(t, o.CreateApplication(ctx, a), "", "create")
	data := append([]byte("%PDF-1.4\n"), make([]byte, 1000)...)
	d := &posguard.Document{ApplicationID: a.ID, Kind: "id_front", ContentType: "application/pdf", Data: data}
	wantCode(t, o.AddDocument(ctx, d), "", "add")
	if d.ID == 0 || d.Size != len(data) || len(d.SHA256) != 64 {
		t.Fatalf("add did not fill %+v", d)
	}
	wantCode(t, o.AddDocument(ctx, &posguard.Document{ApplicationID: a.ID + 9, Kind: "id_front", Data: data}), posguard.ENOTFOUND, "unknown application")
	list, err := o.Documents(ctx, a.ID)
	wantCode(t, err, "", "list")
	if len(list) != 1 || list[0].Data != nil || list[0].Kind != "id_front" {
		t.Fatalf("list %+v", list)
	}
	got, err := o.Document(ctx, d.ID)
	wantCode(t, err, "", "read")
	if string(got.Data) != string(data) || got.ApplicationID != a.ID {
		t.Fatal("document data differs")
	}
	_, err = o.Document(ctx, d.ID+1)
	wantCode(t, err, posguard.ENOTFOUND, "unknown document")
}

func testDuplicates(t *testing.T, _ posguard.Store, o posguard.OnboardingStore) {
	ctx := context.Background()
	a := &posguard.Application{Kind: "enterprise", LicenseNo: "L1", LegalIDNo: "ID1", State: posguard.AppDraft, CreatedBy: "op"}
	wantCode(t, o.CreateApplication(ctx, a), "", "create")
	dups, err := o.Duplicates(ctx, a.ID, "L1", "ID1")
	wantCode(t, err, "", "self")
	if len(dups) != 0 {
		t.Fatalf("an application duplicates itself: %v", dups)
	}
	dups, _ = o.Duplicates(ctx, 0, "", "ID1")
	if len(dups) != 1 || dups[0] != "application/"+strconv.FormatInt(a.ID, 10) {
		t.Fatalf("open application not found: %v", dups)
	}
	wantCode(t, o.PutMerchantIdentity(ctx, "M1", "L2", "ID2"), "", "identity")
	dups, _ = o.Duplicates(ctx, 0, "L2", "")
	if len(dups) != 1 || dups[0] != "merchant/M1" {
		t.Fatalf("merchant not found: %v", dups)
	}
	if dups, _ = o.Duplicates(ctx, 0, "", ""); len(dups) != 0 {
		t.Fatalf("empty numbers matched: %v", dups)
	}
	wantCode(t, o.AddBlacklist(ctx, "13800000000", "fraud"), "", "blacklist")
	why, hit, err := o.Blacklisted(ctx, "x", "13800000000")
	wantCode(t, err, "", "blacklisted")
	if !hit || why != "fraud" {
		t.Fatalf("blacklist: %v %q", hit, why)
	}
	if _, hit, _ := o.Blacklisted(ctx, "y", ""); hit {
		t.Fatal("a value not listed hit")
	}
}

func testBindings(t *testing.T, _ posguard.Store, o posguard.OnboardingStore) {
	ctx := context.Background()
	wantCode(t, o.Bind(ctx, &posguard.TerminalBinding{TerminalID: "20000001", SerialNo: "SN1", MerchantID: "M1"}), "", "bind")
	wantCode(t, o.Bind(ctx, &posguard.TerminalBinding{TerminalID: "20000002", SerialNo: "SN1", MerchantID: "M2"}), posguard.ECONFLICT, "serial bound twice")
	wantCode(t, o.Bind(ctx, &posguard.TerminalBinding{TerminalID: "20000002", SerialNo: "SN2", MerchantID: "M1"}), "", "second")
	bs, err := o.Bindings(ctx, "M1")
	wantCode(t, err, "", "list")
	if len(bs) != 2 || bs[0].SerialNo != "SN1" {
		t.Fatalf("bindings %+v", bs)
	}
	wantCode(t, o.MoveBinding(ctx, "20000002", "M2"), "", "move")
	wantCode(t, o.MoveBinding(ctx, "29999999", "M2"), posguard.ENOTFOUND, "move unknown")
	if b, _ := o.Binding(ctx, "20000002"); b == nil || b.MerchantID != "M2" {
		t.Fatalf("after move %+v", b)
	}
	b, err := o.Unbind(ctx, "20000001")
	wantCode(t, err, "", "unbind")
	if b.SerialNo != "SN1" {
		t.Fatalf("unbind returned %+v", b)
	}
	_, err = o.Unbind(ctx, "20000001")
	wantCode(t, err, posguard.ENOTFOUND, "unbind twice")
	wantCode(t, o.Bind(ctx, &posguard.TerminalBinding{TerminalID: "20000003", SerialNo: "SN1", MerchantID: "M3"}), "", "serial bound again after unbind")
}

func testMerchantEvents(t *testing.T, _ posguard.Store, o posguard.OnboardingStore) {
	ctx := context.Background()
	for _, a := range []string{"created", "frozen", "unfrozen"} {
		wantCode(t, o.AddMerchantEvent(ctx, &posguard.MerchantEvent{MerchantID: "M1", Actor: "risk1", Action: a, Reason: "r " + a}), "", a)
	}
	wantCode(t, o.AddMerchantEvent(ctx, &posguard.MerchantEvent{MerchantID: "M2", Actor: "x", Action: "created"}), "", "other")
	ev, err := o.MerchantEvents(ctx, "M1", 0)
	wantCode(t, err, "", "list")
	if len(ev) != 3 || ev[0].Action != "unfrozen" || ev[2].Reason != "r created" {
		t.Fatalf("events %+v", ev)
	}
}

func testRiskRules(t *testing.T, _ posguard.Store, o posguard.OnboardingStore) {
	ctx := context.Background()
	_, err := o.RiskRules(ctx)
	wantCode(t, err, posguard.ENOTFOUND, "none yet")
	for i, n := range []int{5, 3} {
		set := &posguard.RiskRuleSet{CreatedBy: "risk1", Rules: []posguard.RiskRule{{Name: "v", Kind: posguard.RuleCardVelocity, Action: posguard.RiskDecline, Window: "10m", Count: n}}}
		wantCode(t, o.PutRiskRules(ctx, set), "", "put")
		if set.Version != i+1 {
			t.Fatalf("version %d, want %d", set.Version, i+1)
		}
	}
	cur, err := o.RiskRules(ctx)
	wantCode(t, err, "", "current")
	if cur.Version != 2 || cur.Rules[0].Count != 3 || cur.CreatedBy != "risk1" {
		t.Fatalf("current %+v", cur)
	}
	all, err := o.RiskRuleVersions(ctx)
	wantCode(t, err, "", "versions")
	if len(all) != 2 || all[1].Rules[0].Count != 5 {
		t.Fatalf("versions %+v", all)
	}
}

func testRiskHits(t *testing.T, _ posguard.Store, o posguard.OnboardingStore) {
	ctx := context.Background()
	t0 := time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)
	hits := []*posguard.RiskHit{
		{At: t0, Rule: "night", RuleVersion: 1, Action: posguard.RiskReview, MerchantID: "M1", TxnID: 7, Amount: 100000, Card: "622588******0019", Explain: posguard.Text{ZH: "夜间", EN: "night"}},
		{At: t0.Add(time.Minute), Rule: "repeat", RuleVersion: 1, Action: posguard.RiskFreeze, MerchantID: "M1", TxnID: 8},
		{At: t0.Add(time.Hour), Rule: "night", RuleVersion: 1, Action: posguard.RiskAllow, MerchantID: "M2", TxnID: 9},
	}
	wantCode(t, o.AddRiskHits(ctx, hits), "", "add")
	if hits[0].ID == 0 || hits[2].ID <= hits[1].ID {
		t.Fatalf("ids %d %d %d", hits[0].ID, hits[1].ID, hits[2].ID)
	}
	for _, tt := range []struct {
		f    posguard.RiskHitFilter
		want int
	}{
		{posguard.RiskHitFilter{}, 3},
		{posguard.RiskHitFilter{MerchantID: "M1"}, 2},
		{posguard.RiskHitFilter{Rule: "night"}, 2},
		{posguard.RiskHitFilter{TxnID: 8}, 1},
		{posguard.RiskHitFilter{From: t0.Add(time.Minute)}, 2},
		{posguard.RiskHitFilter{To: t0.Add(time.Minute)}, 1},
	} {
		got, err := o.RiskHits(ctx, tt.f)
		wantCode(t, err, "", "hits")
		if len(got) != tt.want {
			t.Errorf("filter %+v: %d hits, want %d", tt.f, len(got), tt.want)
		}
	}
	got, _ := o.RiskHits(ctx, posguard.RiskHitFilter{TxnID: 7})
	if h := got[0]; h.Card != "622588******0019" || h.Explain.EN != "night" || h.Amount != 100000 || !h.At.Equal(t0) {
		t.Fatalf("read back %+v", h)
	}
	held, err := o.ReviewsHeld(ctx)
	wantCode(t, err, "", "reviews held")
	if len(held) != 1 || held[0] != 7 {
		t.Fatalf("reviews held %v, want [7]", held)
	}
	h, err := o.ReleaseRiskHit(ctx, hits[0].ID, "risk1")
	wantCode(t, err, "", "release")
	if !h.Released || h.ReleasedBy != "risk1" {
		t.Fatalf("release %+v", h)
	}
	_, err = o.ReleaseRiskHit(ctx, hits[0].ID, "risk1")
	wantCode(t, err, posguard.ECONFLICT, "release twice")
	if held, _ = o.ReviewsHeld(ctx); len(held) != 0 {
		t.Fatalf("released review still held: %v", held)
	}
	_, err = o.ReleaseRiskHit(ctx, hits[1].ID, "risk1")
	wantCode(t, err, posguard.ECONFLICT, "release a freeze")
	_, err = o.ReleaseRiskHit(ctx, 9999, "risk1")
	wantCode(t, err, posguard.ENOTFOUND, "release unknown")
}
