package http_test

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	nethttp "net/http"
	"strings"
	"testing"
)

// TestDisputeAPI: a merchant lists its disputes (soonest deadline first,
// another merchant's never), reads one with its reason, deadline and the
// evidence posguard gathered, attaches a statement and a PDF (a file that
// is no JPEG, PNG or PDF is refused) and downloads it back; staff ask it
// for more; the reason table is in both languages.
func TestDisputeAPI(t *testing.T) {
	a := newAccessWorld(t)
	cb := a.disputes.cbM1
	st, raw := a.as(t, a.tok["shop1"], "GET", "/v1/disputes", "")
	if st != 200 || !strings.Contains(raw, cb) || !strings.Contains(raw, a.disputes.rrM1) || strings.Contains(raw, a.disputes.cbM2) {
		t.Fatalf("M1's list: %d %s", st, raw)
	}
	if i, j := strings.Index(raw, a.disputes.rrM1), strings.Index(raw, cb); i > j {
		t.Errorf("the retrieval request (7 days) is not listed before the chargeback (30 days): %s", raw)
	}
	st, raw = a.as(t, a.tok["shop1"], "GET", "/v1/disputes/"+cb, "")
	for _, want := range []string{`"reason_code":"4515"`, `"state":"open"`, `"due_at":"2026-04-01T04:00:00Z"`, `"name":"receipt.txt"`,
		`"name":"journal.txt"`, `"name":"terminal.txt"`, `"持卡人否认交易"`, `"Cardholder denies the transaction"`, `"case_id":`,
		fmt.Sprintf(`"receipt_url":"/v1/transactions/%d/receipt"`, a.approved.ID)} {
		if !strings.Contains(raw, want) {
			t.Errorf("dispute lacks %s: %s", want, raw)
		}
	}
	if strings.Contains(raw, panCUP) {
		t.Fatal("full card number in a dispute")
	}
	// A statement, a PDF, and a refused executable.
	if st, raw = a.as(t, a.tok["shop1"], "POST", "/v1/disputes/"+cb+"/evidence", `{"text":"the cardholder signed; card 6225880012345678"}`); st != 201 {
		t.Fatalf("statement: %d %s", st, raw)
	}
	upload := func(name string, data []byte) (int, string) {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		fw, _ := mw.CreateFormFile("file", name)
		fw.Write(data)
		mw.Close()
		req, _ := nethttp.NewRequest("POST", a.srv.URL+"/v1/disputes/"+cb+"/evidence", &body)
		req.Header.Set("Authorization", "Bearer "+a.tok["shop1"])
		req.Header.Set("Content-Type", mw.FormDataContentType())
		res, err := nethttp.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if st, raw = upload("run.exe", []byte("MZ\x90\x00\x03")); st != 400 {
		t.Errorf("executable: %d %s", st, raw)
	}
	pdf := []byte("%PDF-1.4 signed slip")
	st, raw = upload("slip.pdf", pdf)
	if st != 201 || !strings.Contains(raw, `"content_type":"application/pdf"`) || !strings.Contains(raw, `"source":"merchant"`) {
		t.Fatalf("pdf: %d %s", st, raw)
	}
	var ev struct {
		URL string `json:"url"`
	}
	if err := jsonDecode(raw, &ev); err != nil {
		t.Fatal(err)
	}
	req, _ := nethttp.NewRequest("GET", a.srv.URL+ev.URL, nil)
	req.Header.Set("Authorization", "Bearer "+a.tok["shop1"])
	res, err := nethttp.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !bytes.Equal(got, pdf) || res.Header.Get("Content-Type") != "application/pdf" ||
		!strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("download: %d %q %v", res.StatusCode, got, res.Header)
	}
	if st, _ = a.as(t, a.tok["shop2"], "GET", ev.URL, ""); st != 404 {
		t.Errorf("M2 downloads M1's evidence: %d", st)
	}
	// The statement is kept masked.
	_, raw = a.as(t, a.tok["root"], "GET", "/v1/disputes/"+cb, "")
	if strings.Contains(raw, "6225880012345678") {
		t.Error("card number kept in the statement")
	}
	// Staff ask the merchant for more: the dispute waits for it.
	if st, raw = a.as(t, a.tok["ops"], "POST", "/v1/disputes/"+cb+"/ask", `{"text":"the signed slip, please"}`); st != 200 || !strings.Contains(raw, `"state":"waiting_merchant"`) {
		t.Fatalf("ask: %d %s", st, raw)
	}
	if st, raw = a.as(t, a.tok["shop1"], "GET", "/v1/disputes?state=waiting_merchant", ""); !strings.Contains(raw, cb) {
		t.Errorf("waiting list: %d %s", st, raw)
	}
	// The transaction lists its disputes.
	if st, raw = a.as(t, a.tok["shop1"], "GET", fmt.Sprintf("/v1/transactions/%d", a.approved.ID), ""); st != 200 ||
		!strings.Contains(raw, `"disputes":[`) || !strings.Contains(raw, `"url":"/v1/disputes/`+cb+`"`) {
		t.Errorf("transaction's disputes: %d %s", st, raw)
	}
	if st, raw = a.as(t, a.tok["shop1"], "GET", "/v1/dispute-reasons", ""); st != 200 || !strings.Contains(raw, `"code":"6301","kind":"retrieval","days":7`) {
		t.Errorf("reasons: %d %s", st, raw)
	}
}
