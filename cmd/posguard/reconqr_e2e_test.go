package main

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/recon"
	"github.com/posguard/posguard/wallet"
)

// QR bills in the reconciliation run, end to end: the real host (serve),
// simnet and simwallet over real TCP and HTTP on a temp SQLite store. A
// day with card sales and QR orders, where simwallet's bill has a charge
// for an order posguard shows failed, lacks a paid order's PAY row and
// shows another amount for a third: one run (one id, one report) with the
// card section and the QR section, the right exceptions with cases, the
// charge given back to the payer by the repair, the holds, the audit.

// postRecon posts a reconciliation run (multipart) as tok and decodes the
// report.
func (qw *qrWorld) postRecon(tok, date string, clearingFile []byte, parts map[string]string) (int, *recon.Report) {
	qw.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("date", date)
	fw, _ := mw.CreateFormFile("clearing", recon.ClearingName(date))
	fw.Write(clearingFile)
	for k, v := range parts {
		mw.WriteField(k, v)
	}
	mw.Close()
	req, _ := http.NewRequest("POST", "http://"+qw.httpAdr+"/v1/recon/runs", &body)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		qw.t.Fatal(err)
	}
	defer resp.Body.Close()
	var rep recon.Report
	raw := new(bytes.Buffer)
	raw.ReadFrom(resp.Body)
	if resp.StatusCode < 300 {
		if err := json.Unmarshal(raw.Bytes(), &rep); err != nil {
			qw.t.Fatalf("report: %v in %s", err, raw)
		}
	} else {
		qw.t.Logf("POST /v1/recon/runs: %d %s", resp.StatusCode, raw)
	}
	return resp.StatusCode, &rep
}

// qrExc returns the report's QR exception of class about out_trade_no.
func qrExc(rep *recon.Report, class, no string) *recon.Exception {
	for i := range rep.Exceptions {
		e := &rep.Exceptions[i]
		if e.Source == recon.SourceQR && e.Class == class && e.OutTradeNo != nil && *e.OutTradeNo == no {
			return e
		}
	}
	return nil
}

func TestReconQRBills(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	onSQLiteAndPostgres(t, testReconQRBills)
}

func testReconQRBills(t *testing.T, dsn string) {
	clearingDir := t.TempDir()
	qw := startQRWorldOn(t, dsn, "--qr-query-every", "100ms", "--qr-pay-deadline", "2s", "--clearing-dir", clearingDir)
	fin := qw.userToken("qrfin", posguard.RoleFinance, "")
	termAdr, _ := qw.serve.Addrs()
	_, simAdmin := qw.simnet.Addrs()

	// The card side: two sales, one of which the network clears with
	// another amount.
	term := dialRaw(t, termAdr, stallTID, stallMID, stallTMK, "003", "cups-ecb")
	if c := term.signOn(); c != "00" {
		t.Fatalf("sign-on: %s", c)
	}
	for _, amt := range []posguard.Amount{1500, 2500} {
		if got := term.send(term.sale(good2Card, good2Exp, "123456", amt), true); got == nil {
			t.Fatal("no answer to a sale")
		}
	}

	// The QR side: four orders of qrMID.
	ok := qw.order(201, map[string]any{"out_order_no": "R1", "amount": 1000, "auth_code": "134567000000000011"})
	dropped := qw.order(201, map[string]any{"out_order_no": "R2", "amount": 2000, "auth_code": "137000000000000012"})
	changed := qw.order(201, map[string]any{"out_order_no": "R3", "amount": 3000, "auth_code": "138000000000000013"})
	failed := qw.order(201, map[string]any{"out_order_no": "R4", "amount": 500, "auth_code": "133000000000000014"})
	for _, m := range []map[string]any{ok, dropped, changed} {
		if m["state"] != "succeeded" {
			t.Fatalf("order %v", m)
		}
	}
	if failed["state"] != "failed" || failed["reason"] != posguard.ReasonQRInsufficient {
		t.Fatalf("order R4 = %v", failed)
	}
	no := func(m map[string]any) string { return m["out_trade_no"].(string) }
	// simwallet: R2's PAY row left out of the bill, R3's shows 3100, and the
	// channel takes R4's 5 yuan from another payer anyway.
	for _, alt := range []map[string]any{
		{"out_trade_no": no(dropped), "action": "drop"},
		{"out_trade_no": no(changed), "action": "amount", "amount": 3100},
		{"out_trade_no": no(failed), "action": "charge", "payer": "139000000000000015"},
	} {
		if st, m := qw.admin("/bill/alter", alt); st != 200 {
			t.Fatalf("bill/alter %v: %d %v", alt, st, m)
		}
	}
	if p := qw.account("139"); p.netHeld(no(failed)) != 500 {
		t.Fatalf("the injected charge: payer = %+v", p)
	}
	if st, m := qw.admin("/faults", map[string]string{"spec": ""}); st != 200 {
		t.Fatalf("faults: %d %v", st, m)
	}

	// One run of the day: the clearing file (one line's amount changed) and
	// the bills fetched from simwallet.
	date := time.Now().In(posguard.ChinaStandardTime).Format("2006-01-02")
	cardDay := qw.serve.Switch.SettlementDate(time.Now()) == date
	res, err := http.Post("http://"+simAdmin+"/faults", "application/json", bytes.NewReader([]byte(`{"spec":"clearing_amount=1"}`)))
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("clearing faults: %v %v", err, res)
	}
	res.Body.Close()
	clearingFile := fetch(t, "http://"+simAdmin+"/clearing?date="+date)
	st, rep := qw.postRecon(fin, date, clearingFile, map[string]string{"qr": "fetch"})
	if st != 201 {
		t.Fatalf("POST /v1/recon/runs: %d", st)
	}
	if len(rep.QRBills) != 2 || rep.QRSHA == nil {
		t.Fatalf("qr bills = %+v", rep.QRBills)
	}
	var mine *recon.QRBillSummary
	for i, b := range rep.QRBills {
		if b.Merchant == qrMID {
			mine = &rep.QRBills[i]
		}
		if b.Channel != "wx" || b.Source != "channel" || b.SHA256 == "" {
			t.Errorf("bill %+v", b)
		}
	}
	// R1, R3 (changed), R4 (charged): three PAY rows; R2's was dropped.
	if mine == nil || mine.Rows != 3 || mine.Matched != 1 || mine.Exceptions != 3 || mine.Totals.PayCount != 3 || mine.Totals.PayAmount != 1000+3100+500 {
		t.Fatalf("bill of %s = %+v", qrMID, mine)
	}
	if rep.QRLines != 3 || rep.QRMatched != 1 {
		t.Fatalf("qr_lines %d, qr_matched %d", rep.QRLines, rep.QRMatched)
	}

	charged := qrExc(rep, posguard.ReconQRChannelOnly, no(failed))
	missing := qrExc(rep, posguard.ReconQRJournalOnly, no(dropped))
	amount := qrExc(rep, posguard.ReconQRAmountMismatch, no(changed))
	if charged == nil || missing == nil || amount == nil {
		t.Fatalf("exceptions = %+v", rep.Exceptions)
	}
	if charged.Action != posguard.ActionReturnCharge || charged.Status != posguard.ReconRepairPending || *charged.FileAmount != 500 ||
		*charged.OrderID != failed["id"] || *charged.JournalState != "failed" || *charged.Channel != "wx" {
		t.Errorf("charged but failed: %+v", charged)
	}
	if missing.Action != posguard.ActionHold || missing.Status != posguard.ReconOpen || *missing.Amount != 2000 || missing.FileAmount != nil {
		t.Errorf("missing from the bill: %+v", missing)
	}
	if amount.Action != posguard.ActionHold || *amount.Amount != 3000 || *amount.FileAmount != 3100 || *amount.Line != 3 {
		t.Errorf("amount mismatch: %+v", amount)
	}
	for _, e := range []*recon.Exception{charged, missing, amount} {
		if e.CaseID == nil {
			t.Errorf("%s %s: no case", e.Class, *e.OutTradeNo)
			continue
		}
		var c map[string]any
		if st := qw.world.api(t, fin, "GET", "/v1/cases/"+*e.CaseID, "", &c); st != 200 || c["reason"] != "recon."+e.Class {
			t.Errorf("case %s: %d %v", *e.CaseID, st, c)
		}
	}
	qs := rep.Summary[recon.SourceQR]
	if qs.Exceptions != 3 || qs.Lines != 3 || qs.ByClass[posguard.ReconQRChannelOnly] != 1 {
		t.Errorf("summary qr = %+v", qs)
	}
	// The card section beside it.
	cs := rep.Summary[recon.SourceCard]
	if cardDay {
		if rep.Lines != 2 || cs.Lines != 2 || cs.ByClass[posguard.ReconAmountMismatch] != 2 {
			t.Errorf("card section: lines %d, summary %+v", rep.Lines, cs)
		}
		for _, e := range rep.Exceptions {
			if e.Class == posguard.ReconAmountMismatch && e.Source != recon.SourceCard {
				t.Errorf("card exception with source %q", e.Source)
			}
		}
	} else {
		t.Logf("the business day (cut-off 23:00) is not the calendar day %s: card section not checked", date)
	}

	// The repair: posguard refunds R4 in full at the channel; the payer has
	// the money back and the exception turns repaired.
	deadline := time.Now().Add(20 * time.Second)
	for {
		var now recon.Report
		if st := qw.world.api(t, fin, "GET", "/v1/recon/runs/"+rep.RunID, "", &now); st != 200 {
			t.Fatalf("GET run: %d", st)
		}
		e := qrExc(&now, posguard.ReconQRChannelOnly, no(failed))
		if e != nil && e.Status == posguard.ReconRepaired {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("charge not repaired: %+v\n%s", e, qw.logs.String())
		}
		time.Sleep(100 * time.Millisecond) // polling the refund the engine sends
	}
	if p := qw.account("139"); p.netHeld(no(failed)) != 0 {
		t.Fatalf("after the repair the channel still holds %d of R4", p.netHeld(no(failed)))
	}
	got := qw.waitOrder(failed["id"].(string), "failed", "")
	if got["state"] != "failed" {
		t.Fatalf("R4 = %v", got)
	}
	// Audit: the run and the repair.
	var audit struct {
		Records []map[string]any `json:"records"`
	}
	if st := qw.world.api(t, qw.staff, "GET", "/v1/audit?action=recon_qr_repair", "", &audit); st != 200 || len(audit.Records) != 1 {
		t.Errorf("audit of the repair: %d %v", st, audit.Records)
	}
	// Holds for the two held exceptions.
	var list struct {
		Exceptions []recon.Exception `json:"exceptions"`
	}
	if st := qw.world.api(t, fin, "GET", "/v1/recon/exceptions?class=qr_journal_only", "", &list); st != 200 || len(list.Exceptions) != 1 ||
		list.Exceptions[0].Source != recon.SourceQR {
		t.Errorf("qr_journal_only listing: %d %+v", st, list.Exceptions)
	}
	exs, err := qw.serve.store.Recon().Exceptions(t.Context(), posguard.ReconFilter{Date: date})
	if err != nil {
		t.Fatal(err)
	}
	holds := map[string]int64{}
	for _, e := range exs {
		holds[e.Class] += int64(e.HoldAmount)
	}
	if holds[posguard.ReconQRJournalOnly] <= 0 || holds[posguard.ReconQRAmountMismatch] <= 0 || holds[posguard.ReconQRChannelOnly] != 0 {
		t.Errorf("holds = %v", holds)
	}

	// The same day again: the bill now has R4's refund, which gives the
	// charge back on the same bill: a new run, R4's exception no longer
	// found (resolved), the two others found again with the same cases.
	st, again := qw.postRecon(fin, date, clearingFile, map[string]string{"qr": "fetch"})
	if st != 201 || again.RunID == rep.RunID {
		t.Fatalf("second run: %d %s", st, again.RunID)
	}
	if e := qrExc(again, posguard.ReconQRChannelOnly, no(failed)); e != nil {
		t.Errorf("R4 still an exception: %+v", e)
	}
	if e := qrExc(again, posguard.ReconQRJournalOnly, no(dropped)); e == nil || e.CaseID == nil || *e.CaseID != *missing.CaseID {
		t.Errorf("R2 found again: %+v (first case %s)", e, *missing.CaseID)
	}
	// Nothing changed since: the stored run.
	st, third := qw.postRecon(fin, date, clearingFile, map[string]string{"qr": "fetch"})
	if st != 200 || third.RunID != again.RunID {
		t.Fatalf("third run: %d %s, want 200 %s", st, third.RunID, again.RunID)
	}

	// The runs listing counts the bills' rows beside the file's lines.
	var runs struct {
		Runs []map[string]any `json:"runs"`
	}
	if st := qw.world.api(t, fin, "GET", "/v1/recon/runs?date="+date, "", &runs); st != 200 || len(runs.Runs) != 2 ||
		runs.Runs[0]["qr_bills"] != float64(2) || runs.Runs[0]["qr_lines"] != float64(4) || runs.Runs[1]["qr_matched"] != float64(1) {
		t.Errorf("runs listing: %d %v", st, runs.Runs)
	}

	// The console's run page: the bills and the QR exceptions beside the
	// card ones, in English and Chinese.
	cu := qw.world.consoleLogin("qrconsolefin", posguard.RoleFinance)
	if code, page := cu.get("/recon/" + again.RunID + "?lang=en"); code != 200 || !strings.Contains(page, "Wallet channel bills") ||
		!strings.Contains(page, "QR: paid here, not on the bill") || !strings.Contains(page, no(dropped)) ||
		!strings.Contains(page, `href="/qr/`+dropped["id"].(string)+`"`) {
		t.Errorf("console run page (en): %d\n%s", code, page)
	}
	if code, page := cu.get("/recon/" + again.RunID + "?lang=zh"); code != 200 || !strings.Contains(page, "钱包渠道账单") || !strings.Contains(page, "扫码：金额不符") {
		t.Errorf("console run page (zh): %d", code)
	}
	if code, page := cu.get("/recon"); code != 200 || !strings.Contains(page, "QR 3") {
		t.Errorf("console runs list: %d", code)
	}

	// The command, on the store directly, with the bill given as a file
	// (the channel's bytes saved under the bill's name): the stored run of
	// these bytes is the API's one.
	bill := fetchBill(t, qw, date)
	billPath := filepath.Join(t.TempDir(), recon.QRBillName(date, "wx", "19000"+qrMID[len(qrMID)-5:]))
	clearingPath := filepath.Join(t.TempDir(), recon.ClearingName(date))
	os.WriteFile(billPath, bill, 0o644)
	os.WriteFile(clearingPath, clearingFile, 0o644)
	var out, errb bytes.Buffer
	if code := Main(t.Context(), append([]string{"recon", "--db", qw.db, "--date", date, "--clearing", clearingPath, "--qr-fetch", "--qr-bill", billPath},
		qw.keyArgs...), &out, &errb); code != 0 {
		t.Fatalf("posguard recon --qr-bill: exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), again.RunID) || !strings.Contains(out.String(), "QR bills: 2,") ||
		!strings.Contains(out.String(), "wx:line") || !strings.Contains(out.String(), "qr_journal_only") {
		t.Errorf("posguard recon summary:\n%s", out.String())
	}
	// A bad bill: one line naming it, nothing recorded.
	os.WriteFile(billPath, append(bill, []byte("garbage\n")...), 0o644)
	out.Reset()
	errb.Reset()
	if code := Main(t.Context(), append([]string{"recon", "--db", qw.db, "--date", date, "--clearing", clearingPath, "--qr-bill", billPath},
		qw.keyArgs...), &out, &errb); code != 1 || !strings.Contains(errb.String(), "column") && !strings.Contains(errb.String(), "columns") {
		t.Errorf("a bad bill: exit %d, %q", code, errb.String())
	}

	// The scheduler's end-of-day step (close → T+1 → payouts → recon) is
	// serve's: the clearing file from --clearing-dir and the bills fetched
	// from the channel, in one run (here the same bytes: the stored run).
	// First the channel fails every request (SYSTEMERROR): no run, the job
	// fails and is tried again; then it answers.
	qw.faults("system_error=1")
	if err := os.WriteFile(filepath.Join(clearingDir, recon.ClearingName(date)), clearingFile, 0o644); err != nil {
		t.Fatal(err)
	}
	if what, err := qw.serve.host.Scheduler.Recon(t.Context(), date); posguard.ErrorCode(err) != posguard.EUNAVAILABLE {
		t.Fatalf("scheduled recon with the channel failing: %q %v", what, err)
	}
	qw.faults("")
	what, err := qw.serve.host.Scheduler.Recon(t.Context(), date)
	if err != nil || !strings.Contains(what, again.RunID) || !strings.Contains(what, "with 2 QR bills") {
		t.Fatalf("scheduled recon: %q %v (want run %s with 2 QR bills)", what, err, again.RunID)
	}
}

// fetchBill asks simwallet (as the channel) for qrMID's bill of date, with
// the channel's signed protocol, through posguard's wallet client.
func fetchBill(t *testing.T, qw *qrWorld, date string) []byte {
	t.Helper()
	waddr, _ := qw.wallet.Addrs()
	c := &wallet.Client{Channel: wallet.Channel{Name: "wx", Kind: wallet.KindWeChat, URL: "http://" + waddr + "/wx", AppID: "wx5f3c9a1e2b7d4c60",
		Key: mustKey(t, qrWxKey)}, HTTP: http.DefaultClient, Timeout: 5 * time.Second}
	a, err := c.Bill(t.Context(), wallet.BillRequest{MchID: "19000" + qrMID[len(qrMID)-5:], Date: date})
	if err != nil || !a.OK() {
		t.Fatalf("bill: %v %+v", err, a)
	}
	return []byte(a.Bill)
}

func mustKey(t *testing.T, hexKey string) wallet.Key {
	k, err := wallet.ParseKey(hexKey)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
