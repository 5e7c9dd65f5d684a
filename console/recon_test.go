package console_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/analytics"
	"github.com/posguard/posguard/casework"
	"github.com/posguard/posguard/console"
	"github.com/posguard/posguard/recon"
	"github.com/posguard/posguard/recon/clearing"
)

// reconWorld is the fixture's world with reconciliation wired into the
// console, and one run of 2026-03-05 whose file clears a journal sale
// for one yuan more (amount_mismatch) and a sale posguard never saw
// (network_only).
type reconWorld struct {
	*world
	rc    *recon.Reconciler
	run   string
	sale  *posguard.Transaction
	ident string // the amount_mismatch exception's identity
}

func newReconWorld(t *testing.T, withRun bool) *reconWorld {
	t.Helper()
	w := newWorld(t)
	st := w.store
	cases := &casework.Service{Store: st, Now: func() time.Time { return now }}
	rc := &recon.Reconciler{Store: st.Recon(), Money: st.Money(), Cases: st, Journal: st, Audit: st.Access(),
		Now: func() time.Time { return now }}
	srv := &console.Server{Store: st, Auth: w.auth, Cases: cases, Reports: &analytics.Reports{Store: st, Now: func() time.Time { return now }},
		Recon: rc, Now: func() time.Time { return now }, Logger: slog.New(slog.NewTextHandler(testLog{t}, nil))}
	w.srv.Close()
	w.srv = httptest.NewServer(srv.Handler())
	t.Cleanup(w.srv.Close)
	rw := &reconWorld{world: w, rc: rc}
	if !withRun {
		return rw
	}
	const date = "2026-03-05"
	rw.sale = &posguard.Transaction{
		TxnKey: posguard.TxnKey{TerminalID: tidA, Batch: "000009", STAN: "000901", MTI: "0200"},
		Type:   posguard.TxnSale, MerchantID: midA, PANMasked: posguard.MaskPAN(panA), Amount: 10000, Currency: "156",
		SettlementDate: date, RRN: "332710000901", State: posguard.StateApproved, ResponseCode: "00",
		UpstreamSTAN: "000901", UpstreamTime: "0305020901", ContentHash: "recon-901",
	}
	if err := st.Insert(t0ctx, rw.sale); err != nil {
		t.Fatal(err)
	}
	line := func(tx *posguard.Transaction, amt posguard.Amount) clearing.Line {
		return clearing.Line{Acquirer: "48021000", Trace: tx.UpstreamSTAN, Transmitted: tx.UpstreamTime, Amount: amt,
			Kind: clearing.KindSale, MCC: "5411", Terminal: tx.TerminalID, Merchant: tx.MerchantID, RRN: tx.RRN, EntryMode: "021"}
	}
	stranger := *rw.sale
	stranger.RRN, stranger.UpstreamSTAN, stranger.UpstreamTime = "332710000999", "000999", "0305020959"
	var data []byte
	for _, l := range []clearing.Line{line(rw.sale, 10100), line(&stranger, 2500)} {
		var err error
		if data, err = clearing.AppendRecord(data, &l, panA); err != nil {
			t.Fatal(err)
		}
	}
	rep, _, err := rc.Run(t0ctx, recon.Input{Date: date, ClearingName: clearing.ClearingFileName(date), Clearing: bytes.NewReader(data)})
	if err != nil {
		t.Fatal(err)
	}
	rw.run = rep.RunID
	exs, err := st.Recon().Exceptions(t0ctx, posguard.ReconFilter{Date: date, Class: "amount_mismatch"})
	if err != nil || len(exs) != 1 {
		t.Fatalf("amount_mismatch exceptions: %v %d", err, len(exs))
	}
	rw.ident = exs[0].Ident
	return rw
}

// resolveForm finds the resolve form's exception field on a run's page.
var resolveForm = regexp.MustCompile(`action="/recon/resolve">.*?name="exception" value="([^"]+)"`)

// TestReconPagesByRole: a merchant user gets the 404 page for every
// reconciliation page and action; an operator reads the runs and a run's
// exceptions (class explained, transaction linked, both amounts in 元)
// but has no resolve form; a finance user has one.
func TestReconPagesByRole(t *testing.T) {
	w := newReconWorld(t, true)
	shop := w.login(t, "shop-a")
	for _, p := range []string{"/recon", "/recon/" + w.run} {
		if st, body, _ := shop.get(p); st != http.StatusNotFound || strings.Contains(body, "2026-03-05") {
			t.Errorf("merchant GET %s: %d", p, st)
		}
	}
	if st, _, _ := shop.post("/recon/resolve", url.Values{"exception": {w.ident}, "csrf_token": {shop.csrf}}); st != http.StatusNotFound {
		t.Errorf("merchant resolve: %d", st)
	}
	if st, _, _ := shop.get("/?lang=en"); st != 200 {
		t.Fatal(st)
	}
	if _, body, _ := shop.get("/"); strings.Contains(body, `href="/recon"`) {
		t.Error("a merchant user's navigation links to /recon")
	}

	ops := w.login(t, "ops")
	ops.get("/?lang=en")
	st, body, _ := ops.get("/recon")
	if st != 200 || !strings.Contains(body, `href="/recon/`+w.run+`"`) || !strings.Contains(body, "2026-03-05") ||
		!strings.Contains(body, "Amount differs: 1") || !strings.Contains(body, "Cleared, not approved here: 1") {
		t.Fatalf("ops /recon: %d\n%s", st, body)
	}
	if !strings.Contains(body, `href="/recon"`) {
		t.Error("staff navigation has no /recon link")
	}
	st, body, _ = ops.get("/recon/" + w.run)
	if st != 200 {
		t.Fatalf("ops run page: %d\n%s", st, body)
	}
	for _, want := range []string{
		`href="/transactions/` + strconv.FormatInt(w.sale.ID, 10) + `"`, "¥100.00", "¥101.00", "¥25.00",
		"Amount differs", "Same transaction and kind, different amount", "Cleared, not approved here",
		"not in the journal", "332710000999", "hold", "Open",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("ops run page lacks %q", want)
		}
	}
	if strings.Contains(body, `action="/recon/resolve"`) {
		t.Error("an operator is offered the resolve form")
	}
	if st, _, _ := ops.post("/recon/resolve", url.Values{"exception": {w.ident}, "csrf_token": {ops.csrf}}); st != http.StatusNotFound {
		t.Errorf("operator resolve: %d", st)
	}
	if st, _, _ := ops.get("/recon/no-such-run"); st != http.StatusNotFound {
		t.Errorf("unknown run: %d", st)
	}

	fin := w.login(t, "finance")
	_, body, _ = fin.get("/recon/" + w.run)
	if m := resolveForm.FindAllStringSubmatch(body, -1); len(m) != 2 {
		t.Fatalf("finance sees %d resolve forms, want 2 (both open)", len(m))
	}
}

// TestReconResolve: a finance user resolves an open exception through the
// form (CSRF refused without a token); the exception is resolved in the
// store, its hold released, the action audited, and a second resolve is a
// conflict.
func TestReconResolve(t *testing.T) {
	w := newReconWorld(t, true)
	fin := w.login(t, "finance")
	fin.get("/?lang=en")
	if st, _, _ := fin.post("/recon/resolve", url.Values{"exception": {w.ident}, "run": {w.run}}); st != http.StatusForbidden {
		t.Errorf("resolve without csrf: %d", st)
	}
	if st, _, _ := fin.post("/recon/resolve", url.Values{"exception": {w.ident}, "run": {w.run}, "csrf_token": {"forged"}}); st != http.StatusForbidden {
		t.Errorf("resolve with a forged csrf: %d", st)
	}
	if exs, _ := w.store.Recon().ExceptionsByIdent(t0ctx, []string{w.ident}); exs[w.ident].Status != posguard.ReconOpen {
		t.Fatalf("refused resolve changed the exception: %s", exs[w.ident].Status)
	}
	st, _, h := fin.post("/recon/resolve", url.Values{"exception": {w.ident}, "run": {w.run}, "csrf_token": {fin.csrf},
		"note": {"checked with the network, card " + panA}})
	if st != http.StatusSeeOther || h.Get("Location") != "/recon/"+w.run+"?done=recon_resolved" {
		t.Fatalf("resolve: %d to %q", st, h.Get("Location"))
	}
	exs, err := w.store.Recon().ExceptionsByIdent(t0ctx, []string{w.ident})
	if err != nil || exs[w.ident].Status != posguard.ReconResolved {
		t.Fatalf("after resolve: %v %+v", err, exs[w.ident])
	}
	_, body, _ := fin.get("/recon/" + w.run + "?done=recon_resolved")
	if !strings.Contains(body, "its hold is released") || !strings.Contains(body, "Resolved") {
		t.Errorf("run page after resolve:\n%s", body)
	}
	if m := resolveForm.FindAllStringSubmatch(body, -1); len(m) != 1 {
		t.Errorf("%d resolve forms after resolving one of two", len(m))
	}
	recs, err := w.store.Access().AuditRecords(t0ctx, posguard.AuditFilter{Action: "console POST /recon/resolve"})
	if err != nil || len(recs) != 1 {
		t.Fatalf("audit: %v %+v", err, recs)
	}
	okRecs := 0
	for _, r := range recs {
		if r.Outcome == "ok" {
			okRecs++
			if r.User != "finance" || r.Object != "recon_exception/"+w.ident || strings.Contains(r.Changes, panA) {
				t.Errorf("audit record: %+v", r)
			}
		}
	}
	if okRecs != 1 {
		t.Errorf("%d ok audit records, want 1", okRecs)
	}
	if st, _, _ := fin.post("/recon/resolve", url.Values{"exception": {w.ident}, "run": {w.run}, "csrf_token": {fin.csrf}}); st != http.StatusConflict {
		t.Errorf("second resolve: %d", st)
	}
	if st, _, _ := fin.post("/recon/resolve", url.Values{"exception": {"nope"}, "csrf_token": {fin.csrf}}); st != http.StatusNotFound {
		t.Errorf("unknown exception: %d", st)
	}
	// The case of the exception carries the note, card masked.
	c, err := w.store.Recon().ExceptionsByIdent(t0ctx, []string{w.ident})
	if err != nil || c[w.ident].CaseID == 0 {
		t.Fatalf("the amount_mismatch has no case: %v", err)
	}
	{
		_, body, _ := fin.get(fmt.Sprintf("/cases/%d", c[w.ident].CaseID))
		if !strings.Contains(body, "checked with the network") {
			t.Error("the case has no note of the resolution")
		}
	}
}

// TestReconEmpty: no run yet shows the empty state; a console without
// reconciliation says it is not enabled.
func TestReconEmpty(t *testing.T) {
	w := newReconWorld(t, false)
	ops := w.login(t, "ops")
	ops.get("/?lang=en")
	if st, body, _ := ops.get("/recon"); st != 200 || !strings.Contains(body, "No reconciliation run yet") {
		t.Errorf("empty /recon: %d\n%s", st, body)
	}
	plain := newWorld(t)
	ops = plain.login(t, "ops")
	ops.get("/?lang=en")
	if st, body, _ := ops.get("/recon"); st != 200 || !strings.Contains(body, "not enabled") {
		t.Errorf("/recon without reconciliation: %d\n%s", st, body)
	}
}
