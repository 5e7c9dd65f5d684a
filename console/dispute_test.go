package console_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/posguard/posguard"
)

// uploadEvidence posts a multipart form with a file and the client's CSRF token.
func (c *client) uploadEvidence(path, name string, data []byte) (int, string, http.Header) {
	c.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf_token", c.csrf)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, c.w.srv.URL+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b), res.Header
}

// TestDisputePages: a merchant sees its own disputes (another's is the
// not-found page) with the reason, deadline and evidence, adds a statement
// and a PDF; staff see every dispute in the queue and ask the merchant for
// more; a response the network refuses changes nothing.
func TestDisputePages(t *testing.T) {
	w := newWorld(t)
	a := w.login(t, "shop-a")
	st, list, _ := a.get("/disputes?lang=zh")
	if st != 200 || !strings.Contains(list, w.disputeA) || strings.Contains(list, w.disputeB) || !strings.Contains(list, "持卡人否认交易") {
		t.Fatalf("merchant list: %d", st)
	}
	p := "/disputes/" + w.disputeA
	_, page, _ := a.get(p + "?lang=en")
	for _, want := range []string{"Chargeback (拒付)", "4515 Cardholder denies the transaction", "Respond by", "days", "receipt.txt", "journal.txt",
		"terminal.txt", "Send the response", "Upload a file", "/transactions/"} {
		if !strings.Contains(page, want) {
			t.Errorf("dispute page lacks %q", want)
		}
	}
	if strings.Contains(page, "Ask the merchant") {
		t.Error("a merchant sees the staff's forms")
	}
	if st, body, _ := a.get("/disputes/" + w.disputeB + "?lang=en"); st != 404 || !strings.Contains(body, "Not found") {
		t.Errorf("B's dispute as A: %d", st)
	}
	if st, _, _ := a.post("/disputes/"+w.disputeB+"/statement", url.Values{"csrf_token": {a.csrf}, "text": {"mine"}}); st != 404 {
		t.Errorf("statement on B's dispute: %d", st)
	}
	// The dispute's case links to it.
	c, err := w.store.Disputes(context.Background(), posguard.DisputeFilter{TxnID: w.amtA.ID})
	if err != nil || len(c) != 1 {
		t.Fatalf("disputes of the sale: %v %v", c, err)
	}
	_, casePage, _ := a.get(fmt.Sprintf("/cases/%d?lang=en", c[0].CaseID))
	link := fmt.Sprintf("/disputes?txn=%d", w.amtA.ID)
	if !strings.Contains(casePage, link) || !strings.Contains(casePage, "respond by") {
		t.Errorf("the case page lacks the dispute link or the deadline")
	}
	if _, byTxn, _ := a.get(link); !strings.Contains(byTxn, w.disputeA) {
		t.Error("the disputes of the sale are not listed")
	}
	// Staff: the queue holds both; ask A for more.
	ops := w.login(t, "ops")
	_, queue, _ := ops.get("/disputes")
	if !strings.Contains(queue, w.disputeA) || !strings.Contains(queue, w.disputeB) {
		t.Error("staff queue lacks a dispute")
	}
	if st, _, h := ops.post(p+"/ask", url.Values{"csrf_token": {ops.csrf}, "text": {"the signed slip please"}}); st != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), p) {
		t.Fatalf("ask: %d %v", st, h)
	}
	if _, page, _ = a.get(p + "?lang=en"); !strings.Contains(page, "waiting for the merchant") {
		t.Error("the dispute does not wait for the merchant")
	}
	// The merchant answers with a statement and a PDF; an executable is refused.
	if st, _, _ := a.post(p+"/statement", url.Values{"csrf_token": {a.csrf}, "text": {"signed at the till"}}); st != http.StatusSeeOther {
		t.Fatalf("statement: %d", st)
	}
	if st, _, _ := a.uploadEvidence(p+"/file", "run.exe", []byte("MZ\x90\x00")); st != 400 {
		t.Errorf("executable: %d", st)
	}
	if st, _, _ := a.uploadEvidence(p+"/file", "signed.pdf", []byte("%PDF-1.4 slip")); st != http.StatusSeeOther {
		t.Fatalf("pdf: %d", st)
	}
	_, page, _ = a.get(p + "?lang=en")
	for _, want := range []string{"statement.txt", "signed.pdf", "application/pdf", ">open<"} {
		if !strings.Contains(page, want) {
			t.Errorf("after the answer, the page lacks %q", want)
		}
	}
	// The fixture's network never raised this dispute: it refuses the
	// response, and the dispute stays open.
	if st, _, _ := a.post(p+"/respond", url.Values{"csrf_token": {a.csrf}}); st != http.StatusConflict {
		t.Errorf("respond: %d, want the conflict page", st)
	}
	if _, page, _ = a.get(p + "?lang=en"); !strings.Contains(page, ">open<") {
		t.Error("a refused response changed the dispute")
	}
}
