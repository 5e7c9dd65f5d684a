package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/iso8583"
	"github.com/posguard/posguard/postgres/pgtest"
	"github.com/posguard/posguard/terminal"
)

// upload is a batch upload (0320) of batch with 60.3 code and records.
func (r *rawTerm) upload(batch, code string, recs []posguard.UploadRecord) *iso8583.Message {
	m := iso8583.NewMessage("0320")
	m.Set(11, r.nextSTAN())
	m.Set(41, r.tid)
	m.Set(42, r.mid)
	if recs != nil {
		m.Set(48, terminal.UploadRecords(recs))
	}
	m.Set(60, "00"+batch+code)
	return m
}

// TestBatchUploadMismatch runs an unbalanced settlement over real TCP: the
// terminal uploads its detail (0320) after the 0500, the host stores it,
// compares it with the journal when the upload ends (0320 202), and opens
// one case listing every differing item with its likely cause: an amount
// that differs, one the host declined, one it reversed, one it never got,
// and one it approved that the terminal does not have.
func TestBatchUploadMismatch(t *testing.T) {
	wd := startWorld(t, "", 5*time.Second)
	ctx := context.Background()
	term := dialRaw(t, wd.termAdr, shopTID, shopMID, shopTMK, "003", "cups-ecb")
	if c := term.signOn(); c != "00" {
		t.Fatalf("sign-on: %s", c)
	}
	s1 := term.sale(goodCard, goodExp, "123456", 1000)
	code(t, "sale 1", term.send(s1.Clone(), true), "00")
	s2 := term.sale(good2Card, good2Exp, "123456", 2000)
	code(t, "sale 2", term.send(s2.Clone(), true), "00")
	s3 := term.sale(lostCard, lostExp, "123456", 300)
	code(t, "sale 3 (lost card)", term.send(s3.Clone(), true), "41")
	s4 := term.sale(goodCard, goodExp, "123456", 700)
	code(t, "sale 4", term.send(s4.Clone(), true), "00")
	code(t, "reversal of sale 4", term.send(term.reversal(s4, 700, "98"), true), "00")
	s5 := term.sale(good2Card, good2Exp, "123456", 500)
	code(t, "sale 5 (answer lost at the terminal)", term.send(s5.Clone(), true), "00")

	// The terminal believes in sales 1–4 (with sale 2 at 25.00): unbalanced.
	theirs := posguard.BatchTotals{DomesticDebitAmount: 1000 + 2500 + 300 + 700, DomesticDebitCount: 4}
	st := code(t, "settlement", term.send(term.settle(theirs), true), "00")
	if f48 := st.Get(48); f48[30] != '2' {
		t.Fatalf("settlement field 48 %q: want unbalanced", f48)
	}
	batch := term.batch
	term.batch = posguard.NextBatch(term.batch)

	rec := func(req *iso8583.Message, pan posguard.PAN, amount posguard.Amount) posguard.UploadRecord {
		return posguard.UploadRecord{CardOrg: "00", STAN: req.Get(11), PAN: pan, Amount: amount}
	}
	recs := []posguard.UploadRecord{rec(s1, goodCard, 1000), rec(s2, good2Card, 2500), rec(s3, lostCard, 300), rec(s4, goodCard, 700),
		{CardOrg: "00", STAN: "000777", PAN: goodCard, Amount: 4200}}
	code(t, "upload 1", term.send(term.upload(batch, "201", recs[:3]), true), "00")
	code(t, "upload 2", term.send(term.upload(batch, "201", recs[3:]), true), "00")
	code(t, "malformed upload", term.send(term.upload(batch, "201", nil).Clone(), true), "00") // no records: nothing stored
	bad := term.upload(batch, "201", nil)
	bad.Set(48, "0912")
	code(t, "upload with a bad field 48", term.send(bad, true), "30")
	code(t, "upload of an unknown batch", term.send(term.upload("000555", "201", recs[:1]), true), "77")

	bu, ok := wd.serve.store.(posguard.BatchUploadStore)
	if !ok {
		t.Fatalf("%T keeps no batch uploads", wd.serve.store)
	}
	items, err := bu.UploadItems(ctx, shopTID, batch)
	if err != nil || len(items) != 5 {
		t.Fatalf("stored upload items: %d, %v", len(items), err)
	}
	for _, it := range items {
		if strings.Contains(it.PANMasked, goodCard.Reveal()) || len(it.PANHash) == 0 {
			t.Fatalf("stored item %+v", it)
		}
	}
	code(t, "upload end, unbalanced", term.send(term.upload(batch, "202", nil), true), "00")
	code(t, "upload end again", term.send(term.upload(batch, "202", nil), true), "00")

	cases, err := wd.serve.store.Cases(ctx, posguard.CaseFilter{Kind: posguard.CaseReconDiscrepancy})
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) != 1 {
		t.Fatalf("%d batch cases, want 1", len(cases))
	}
	c := cases[0]
	if c.TerminalID != shopTID || c.MerchantID != shopMID || c.Reason != posguard.ReasonBatchUploadMismatch || !strings.Contains(c.Title, batch) {
		t.Fatalf("case %+v", c)
	}
	entries, err := wd.serve.store.CaseEntries(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	for _, e := range entries {
		text.WriteString(e.Text + "\n")
	}
	all := text.String()
	for _, want := range []struct{ stan, cause string }{
		{s2.Get(11), posguard.UploadAmount}, {s3.Get(11), posguard.UploadHostDeclined}, {s4.Get(11), posguard.UploadHostReversed},
		{"000777", posguard.UploadHostMissing}, {s5.Get(11), posguard.UploadTerminalMissing},
	} {
		line := ""
		for _, l := range strings.Split(all, "\n") {
			if strings.Contains(l, "STAN "+want.stan+" ") {
				line = l
			}
		}
		if line == "" || !strings.Contains(line, posguard.UploadCauseText(want.cause, "en")) || !strings.Contains(line, posguard.UploadCauseText(want.cause, "zh")) {
			t.Errorf("case lacks STAN %s with cause %s:\n%s", want.stan, want.cause, all)
		}
	}
	if strings.Contains(all, "STAN "+s1.Get(11)+" ") {
		t.Errorf("matching sale 1 listed:\n%s", all)
	}
	if strings.Contains(all, goodCard.Reveal()) || strings.Contains(all, good2Card.Reveal()) {
		t.Fatal("case text holds a full PAN")
	}
	if c.Amount != 500+300+700+4200+500 {
		t.Errorf("case amount %d", c.Amount)
	}
}

// TestBatchUploadCaseOnceAfterRestart: an unbalanced batch upload opens its
// case once, even when the host restarts between two uploads of the batch
// (the repeated end is compared again and finds the case opened the first
// time, by its subject in the store), on SQLite and PostgreSQL.
func TestBatchUploadCaseOnceAfterRestart(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			dsn := ""
			if db == "postgres" {
				dsn = pgtest.URL(t)
			}
			wd := startWorldOn(t, dsn, nil, "", 5*time.Second)
			ctx := context.Background()
			term := dialRaw(t, wd.termAdr, shopTID, shopMID, shopTMK, "003", "cups-ecb")
			if c := term.signOn(); c != "00" {
				t.Fatalf("sign-on: %s", c)
			}
			s1 := term.sale(goodCard, goodExp, "123456", 1000)
			code(t, "sale", term.send(s1.Clone(), true), "00")
			// The terminal believes the sale was 12.00: unbalanced.
			code(t, "settlement", term.send(term.settle(posguard.BatchTotals{DomesticDebitAmount: 1200, DomesticDebitCount: 1}), true), "00")
			batch := term.batch
			term.batch = posguard.NextBatch(term.batch)
			recs := []posguard.UploadRecord{{CardOrg: "00", STAN: s1.Get(11), PAN: goodCard, Amount: 1200}}
			upload := func(what string) {
				t.Helper()
				code(t, what, term.send(term.upload(batch, "201", recs), true), "00")
				code(t, what+": end", term.send(term.upload(batch, "202", nil), true), "00")
			}
			cases := func() []*posguard.Case {
				t.Helper()
				list, err := wd.serve.store.Cases(ctx, posguard.CaseFilter{Kind: posguard.CaseReconDiscrepancy})
				if err != nil {
					t.Fatal(err)
				}
				return list
			}
			upload("upload")
			first := cases()
			if len(first) != 1 || first[0].Subject != "batch-upload/"+shopTID+"/"+batch {
				t.Fatalf("after the first upload: %d cases %+v", len(first), first)
			}

			wd.restartServe()
			term.redial(wd.termAdr)
			upload("upload after the restart")
			after := cases()
			if len(after) != 1 || after[0].ID != first[0].ID {
				t.Fatalf("after the restart: %d cases (first %d)", len(after), first[0].ID)
			}
			es, err := wd.serve.store.CaseEntries(ctx, first[0].ID)
			if err != nil || len(es) != 2 { // the cause and the one differing item, once
				t.Fatalf("case entries: %d, %v", len(es), err)
			}
		})
	}
}
