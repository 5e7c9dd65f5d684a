package http_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	nethttp "net/http"
	"strings"
	"testing"

	"github.com/posguard/posguard"
)

// upload posts a multipart reconciliation request with the given parts
// (name → content; a name ending in "file" part is sent as a file).
func upload(t *testing.T, url string, parts map[string]string) (int, map[string]any) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for name, v := range parts {
		if name == "date" {
			mw.WriteField(name, v)
			continue
		}
		fw, _ := mw.CreateFormFile(name, map[string]string{"clearing": "IND26030101ACOM", "bank": "DF20260302_B.csv"}[name])
		io.WriteString(fw, v)
	}
	mw.Close()
	res, err := nethttp.Post(url+"/v1/recon/runs", mw.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out
}

func TestReconRunUpload(t *testing.T) {
	f := newFullServer(t)
	// The fixture made a run of 2026-03-01 from an empty file: the same
	// bytes give it back (200), other bytes a new run (201).
	st, rep := upload(t, f.srv.URL, map[string]string{"date": "2026-03-01", "clearing": ""})
	if st != 200 || rep["run_id"] != f.reconRun {
		t.Fatalf("same bytes: %d %v", st, rep["run_id"])
	}
	for _, k := range []string{"run_id", "date", "clearing_file", "clearing_sha256", "lines", "matched", "bank_file", "bank_sha256",
		"bank_lines", "bank_matched", "totals", "exceptions", "notes"} {
		if _, ok := rep[k]; !ok {
			t.Errorf("report without %q", k)
		}
	}
	line := strings.Repeat(" ", 300) + "\r\n"
	st, rep = upload(t, f.srv.URL, map[string]string{"date": "2026-03-01", "clearing": line})
	if st != 422 || !strings.Contains(rep["error"].(map[string]any)["message"].(string), "IND26030101ACOM line 1, field ") {
		t.Errorf("bad file: %d %v", st, rep)
	}
	st, rep = upload(t, f.srv.URL, map[string]string{"date": "2026-03-01", "clearing": "\r\n"})
	if st != 201 || rep["run_id"] == f.reconRun {
		t.Errorf("new bytes: %d %v", st, rep)
	}
	if st, _ := upload(t, f.srv.URL, map[string]string{"clearing": ""}); st != 400 {
		t.Errorf("no date: %d", st)
	}
	if st, _ := upload(t, f.srv.URL, map[string]string{"date": "2026-02-30", "clearing": ""}); st != 400 {
		t.Errorf("bad date: %d", st)
	}
	if st, _ := upload(t, f.srv.URL, map[string]string{"date": "2026-03-01"}); st != 400 {
		t.Errorf("no clearing part: %d", st)
	}
	// The superseded run shows its successor in the listing.
	var list struct {
		Runs []struct {
			RunID        string  `json:"run_id"`
			SupersededBy *string `json:"superseded_by"`
		} `json:"runs"`
	}
	if st, body := f.call(t, "GET", "/v1/recon/runs?date=2026-03-01", "", &list); st != 200 || len(list.Runs) != 2 ||
		list.Runs[1].SupersededBy == nil || *list.Runs[1].SupersededBy != list.Runs[0].RunID {
		t.Errorf("runs: %d %s", st, body)
	}
}

// TestReconRoles: runs are made by admin and finance users, read by staff;
// an operator may not make one, a merchant user may not read them, and a
// merchant user's transaction page shows no reconciliation exceptions.
func TestReconRoles(t *testing.T) {
	f := newFullServer(t)
	as := f.store.Access()
	op := addUser(t, as, "ops1", posguard.RoleOperator, "")
	fin := addUser(t, as, "fin1", posguard.RoleFinance, "")
	mer := addUser(t, as, "m1", posguard.RoleMerchant, "M00000000000001")
	post := func(tok string) int {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		mw.WriteField("date", "2026-03-02")
		fw, _ := mw.CreateFormFile("clearing", "IND26030201ACOM")
		fw.Write(nil)
		mw.Close()
		req, _ := nethttp.NewRequest("POST", f.srv.URL+"/v1/recon/runs", &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+tok)
		res, err := nethttp.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	get := func(tok, path string) (int, string) {
		req, _ := nethttp.NewRequest("GET", f.srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		res, err := nethttp.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if st := post(op); st != 403 {
		t.Errorf("operator made a run: %d", st)
	}
	if st := post(fin); st != 201 {
		t.Errorf("finance: %d", st)
	}
	if st, _ := get(op, "/v1/recon/runs/"+f.reconRun); st != 200 {
		t.Errorf("operator reading a run: %d", st)
	}
	if st, _ := get(mer, "/v1/recon/exceptions"); st != 403 {
		t.Errorf("merchant reading exceptions: %d", st)
	}
	path := fmt.Sprintf("/v1/transactions/%d", f.approved.ID)
	if st, body := get(op, path); st != 200 || !strings.Contains(body, `"recon_exceptions"`) {
		t.Errorf("staff transaction page: %d, recon_exceptions missing", st)
	}
	if st, body := get(mer, path); st != 200 || strings.Contains(body, `"recon_exceptions"`) {
		t.Errorf("merchant transaction page: %d, shows recon_exceptions: %v", st, strings.Contains(body, "recon_exceptions"))
	}
}

// TestReconResolve: a finance user resolves an exception by its id; its
// hold is released; resolving it again is a conflict.
func TestReconResolve(t *testing.T) {
	f := newFullServer(t)
	ctx := t.Context()
	held := func() posguard.Amount {
		bs, err := f.store.Money().Balances(ctx, posguard.BalanceFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var h posguard.Amount
		for _, b := range bs {
			if b.Account.Kind() == posguard.AccountHeld {
				h -= b.Amount
			}
		}
		return h
	}
	exs, err := f.store.Recon().ExceptionsByIdent(ctx, []string{f.reconIdent})
	if err != nil || exs[f.reconIdent] == nil {
		t.Fatal(err)
	}
	before, hold := held(), exs[f.reconIdent].HoldAmount
	var x map[string]any
	body := `{"exception":"` + f.reconIdent + `","note":"network confirmed"}`
	if st, raw := f.call(t, "POST", "/v1/recon/exceptions/resolve", body, &x); st != 200 || x["status"] != "resolved" || x["id"] != f.reconIdent {
		t.Fatalf("resolve: %d %s", st, raw)
	}
	if after := held(); after != before-hold {
		t.Errorf("held %d after resolving, want %d - %d", after, before, hold)
	}
	if st, _ := f.call(t, "POST", "/v1/recon/exceptions/resolve", body, nil); st != 409 {
		t.Errorf("second resolve: %d, want 409", st)
	}
}
