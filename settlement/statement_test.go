package settlement_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"strings"
	"testing"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/settlement"
)

func TestStatement(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	s1 := f.sale(shop, debit, "2026-03-01", 10000) // fee 50
	f.sale(shop, cred, "2026-03-01", 20000)        // fee 120
	f.journal(posguard.TxnVoid, shop, debit, "2026-03-01", 10000, s1.ID)
	f.sale(shop, debit, "2026-03-02", 5000) // fee 25
	f.post()
	if _, err := f.settler.Settle(ctx, "2026-03-01"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.runner.Run(ctx); err != nil {
		t.Fatal(err)
	}
	days, err := settlement.Statement(ctx, f.m, shop, "", "", false)
	if err != nil {
		t.Fatal(err)
	}
	// Day 1: 2 sales, one voided; the settlement is dated the settlement
	// date, the payout the day it was paid (the clock's 2026-03-02).
	if len(days) != 2 || days[0].Sales != 2 || days[0].Voids != 10000 || days[0].Fees != 120 ||
		days[0].Earned != 19880 || days[0].Settled != 19880 || days[1].Paid != 19880 || days[1].Earned != 4975 {
		t.Fatalf("daily %+v", days)
	}
	months, _ := settlement.Statement(ctx, f.m, shop, "2026-03-01", "2026-03-31", true)
	if len(months) != 1 || months[0].Period != "2026-03" || months[0].Earned != 19880+4975 || months[0].Paid != 19880 {
		t.Fatalf("monthly %+v", months)
	}
	var buf bytes.Buffer
	if err := settlement.WriteCSV(&buf, months); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil || len(recs) != 2 || recs[1][0] != "2026-03" || recs[1][7] != "248.55" {
		t.Fatalf("csv %v %v", recs, err)
	}
	buf.Reset()
	if err := settlement.WriteXLSX(&buf, months); err != nil {
		t.Fatal(err)
	}
	z, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var sheet string
	for _, zf := range z.File {
		if zf.Name == "xl/worksheets/sheet1.xml" {
			rc, _ := zf.Open()
			b, _ := io.ReadAll(rc)
			sheet = string(b)
		}
	}
	if !strings.Contains(sheet, "<v>248.55</v>") || !strings.Contains(sheet, "应结金额 earned") {
		t.Fatalf("sheet %s", sheet)
	}
}
