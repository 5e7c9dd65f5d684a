package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"
)

// checkAuditStory reads the audit log of TestMoneyAfterAuthorization's
// frozen-account re-settlement through GET /v1/audit and finds the whole
// story in order with user names: the merchant's request, the refused
// attempts, the finance user's approval and re-settlement, and the payout.
// Then it edits one record by hand (as an intruder with file access would)
// and posguard audit verify names it.
func checkAuditStory(t *testing.T, wd *world, as func(tok, method, path, body string, want int) map[string]any, tok string) {
	t.Helper()
	out := as(tok, "GET", "/v1/audit?limit=1000", "", 200)
	recs := out["records"].([]any)
	var story []string
	var changeID float64
	for i := len(recs) - 1; i >= 0; i-- { // oldest first
		r := recs[i].(map[string]any)
		line := fmt.Sprintf("%s|%s|%s|%s", r["user"], r["action"], r["object"], r["outcome"])
		switch {
		case strings.Contains(line, "settlement-account"), strings.Contains(line, "account-changes"),
			strings.Contains(line, "resettle"), r["action"] == "payout" && r["outcome"] == "succeeded":
			story = append(story, line)
		}
		if r["action"] == "POST /v1/settlements/{id}/resettle" && r["outcome"] == "ok" {
			// Written in the transaction that made the new payout: it names it.
			ps := r["changes"].(map[string]any)["after"].(map[string]any)["payouts"].([]any)
			if len(ps) != 1 || !strings.HasSuffix(ps[0].(map[string]any)["id"].(string), "-R") {
				t.Fatalf("re-settlement record without its new payout: %v", r["changes"])
			}
		}
		if r["action"] == "PUT /v1/merchants/{id}/settlement-account" {
			ch := r["changes"].(map[string]any)
			changeID = ch["after"].(map[string]any)["id"].(float64)
			if strings.Contains(fmt.Sprint(ch), stallAccount) {
				t.Fatalf("the audit log holds the full account number: %v", ch)
			}
		}
	}
	want := []string{
		"m" + stallMID + "|PUT /v1/merchants/{id}/settlement-account|account-changes/" + fmt.Sprint(changeID) + "|ok",
		"li.ops|POST /v1/account-changes/{id}/approve|",
		"zhao.fin|POST /v1/account-changes/{id}/approve|account-changes/" + fmt.Sprint(changeID) + "|ok",
		"li.ops|POST /v1/settlements/{id}/resettle|",
		"zhao.fin|POST /v1/settlements/{id}/resettle|settlements/",
		"system|payout|payouts/",
	}
	if len(story) < len(want) {
		t.Fatalf("audit story:\n%s", strings.Join(story, "\n"))
	}
	for i, w := range want {
		if !strings.HasPrefix(story[i], w) {
			t.Fatalf("audit story step %d: got %q, want prefix %q\n%s", i, story[i], w, strings.Join(story, "\n"))
		}
	}

	var vout, verr bytes.Buffer
	if code := Main(context.Background(), []string{"audit", "verify", "--db", wd.db}, &vout, &verr); code != 0 {
		t.Fatalf("audit verify on an intact log: exit %d: %s", code, verr.String())
	}
	// Edit one record by hand: the database refuses, so the intruder drops
	// the trigger first.
	db, err := sql.Open("sqlite", "file:"+filepath.Join(wd.dir, "posguard.db")+"?_pragma=busy_timeout(10000)") // serve writes meanwhile (scheduler, poster)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE audit_log SET user_name = 'nobody' WHERE id = 3`); err == nil {
		t.Fatal("the database let an audit record be edited")
	}
	for _, q := range []string{`DROP TRIGGER audit_log_no_update`, `UPDATE audit_log SET user_name = 'nobody' WHERE id = 3`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	vout.Reset()
	verr.Reset()
	if code := Main(context.Background(), []string{"audit", "verify", "--db", wd.db}, &vout, &verr); code == 0 {
		t.Fatalf("audit verify passed a tampered log: %s", vout.String())
	}
	if !strings.Contains(verr.String(), "record 3 ") {
		t.Fatalf("audit verify does not name record 3: %s", verr.String())
	}
}
