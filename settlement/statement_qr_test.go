package settlement_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/ledger"
	"github.com/posguard/posguard/settlement"
)

// TestStatementQR: QR payments and refunds are in the statement beside
// card sales: the totals count them (with their own columns), each is
// listed with the merchant's order number, the channel and its
// transaction id, the fee of the demo plan (0.38 %) and the refund; and
// what the statement says is earned is what the day's settlement batch
// pays.
func TestStatementQR(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	q := f.st.QR()
	paidAt := time.Date(2026, 3, 1, 3, 0, 0, 0, time.UTC)
	pay := func(no, tx string, amount posguard.Amount) *posguard.QROrder {
		t.Helper()
		o, _, err := q.CreateQROrder(ctx, &posguard.QROrder{MerchantID: shop, OutOrderNo: no, RequestHash: "h", Mode: posguard.QRMicropay,
			Channel: "wechat", ChannelName: "wx", Amount: amount, State: posguard.QRPaying}, "PGSTMT")
		if err != nil {
			t.Fatal(err)
		}
		if o, err = q.UpdateQROrder(ctx, posguard.QROrderUpdate{ID: o.ID, From: posguard.QRPaying, State: posguard.QRSucceeded, TransactionID: tx, PaidAt: paidAt}); err != nil {
			t.Fatal(err)
		}
		return o
	}
	a := pay("A-1", "4200000000000001", 10000) // fee 0.38 % = 38
	pay("A-2", "4200000000000002", 5000)       // fee 19
	r, _, err := q.CreateQRRefund(ctx, &posguard.QRRefund{OrderID: a.ID, MerchantID: shop, OutRefundNo: "RF-1", Amount: 5000, RequestHash: "r"}, "PRSTMT")
	if err != nil {
		t.Fatal(err)
	}
	none := posguard.QRTaskNone
	if _, err := q.UpdateQRRefund(ctx, posguard.QRRefundUpdate{ID: r.ID, From: posguard.QRRefundProcessing, State: posguard.QRRefundSucceeded, Task: &none}); err != nil {
		t.Fatal(err)
	}
	f.sale(shop, debit, "2026-03-01", 20000) // a card sale, fee 0.50 % = 100
	f.post()
	fees := &settlement.FeeBook{Store: f.m, Merchants: f.st}
	qp := &ledger.QRPoster{QR: q, Ledger: f.m, Pricer: fees, Date: func(time.Time) string { return "2026-03-01" }}
	if _, err := qp.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	run, err := f.settler.Settle(ctx, "2026-03-01")
	if err != nil {
		t.Fatal(err)
	}
	src, ok := q.(settlement.QRSource)
	if !ok {
		t.Fatalf("%T does not read QR orders by id", q)
	}
	rep, err := settlement.BuildStatement(ctx, f.m, src, shop, "2026-03-01", "2026-03-01", false)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Rows) != 1 {
		t.Fatalf("rows %+v", rep.Rows)
	}
	row := rep.Rows[0]
	if row.Sales != 3 || row.QRSales != 2 || row.QRGross != 15000 || row.QRRefunds != 5000 || row.QRFees != 38+19-19 ||
		row.SalesGross != 35000 || row.Refunds != 5000 || row.Fees != 100+38 {
		t.Fatalf("row %+v", row)
	}
	if len(rep.QR) != 3 {
		t.Fatalf("qr lines %+v", rep.QR)
	}
	p1, p2, rf := rep.QR[0], rep.QR[1], rep.QR[2]
	if p1.Kind != settlement.QRPayment || p1.OutOrderNo != "A-1" || p1.Channel != "wechat" || p1.TransactionID != "4200000000000001" ||
		p1.Gross != 10000 || p1.Fee != 38 || p1.Net != 9962 || p1.Date != "2026-03-01" || p1.OrderID != "Q1" {
		t.Errorf("payment line %+v", p1)
	}
	if p2.OutOrderNo != "A-2" || p2.Fee != 19 || p2.Net != 4981 {
		t.Errorf("second payment line %+v", p2)
	}
	if rf.Kind != settlement.QRRefund || rf.OrderID != "Q1" || rf.OutOrderNo != "A-1" || rf.OutRefundNo != "RF-1" || rf.RefundID != "R1" ||
		rf.Gross != 5000 || rf.Fee != -19 || rf.Net != -4981 || rf.TransactionID != "4200000000000001" {
		t.Errorf("refund line %+v", rf)
	}
	// The QR lines and the card sale make up what was earned, and the
	// day's batch pays exactly that.
	var qrNet posguard.Amount
	for _, l := range rep.QR {
		qrNet += l.Net
	}
	if card := posguard.Amount(20000 - 100); qrNet+card != row.Earned {
		t.Errorf("QR net %s + card %s != earned %s", qrNet, card, row.Earned)
	}
	if len(run.Batches) != 1 || run.Batches[0].Net != row.Earned || row.Settled != row.Earned {
		t.Errorf("settlement %+v pays other than the statement's earned %s (settled %s)", run.Batches, row.Earned, row.Settled)
	}

	// The files: CSV with the QR section, padded to one width; XLSX with
	// the qr sheet.
	var buf bytes.Buffer
	if err := settlement.WriteReportCSV(&buf, rep); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatalf("csv: %v", err)
	}
	if len(recs) != 1+1+1+3 || recs[1][0] != "2026-03-01" || recs[2][0] != "扫码明细 qr" || recs[3][4] != "A-1" || recs[3][6] != "4200000000000001" ||
		recs[3][10] != "0.38" || recs[5][8] != "RF-1" || recs[5][11] != "-49.81" {
		t.Fatalf("csv %q", recs)
	}
	buf.Reset()
	if err := settlement.WriteReportXLSX(&buf, rep); err != nil {
		t.Fatal(err)
	}
	z, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var qrSheet, workbook string
	for _, zf := range z.File {
		rc, _ := zf.Open()
		b, _ := io.ReadAll(rc)
		switch zf.Name {
		case "xl/worksheets/sheet2.xml":
			qrSheet = string(b)
		case "xl/workbook.xml":
			workbook = string(b)
		}
	}
	if !strings.Contains(workbook, `name="qr"`) || !strings.Contains(qrSheet, "<t>A-1</t>") || !strings.Contains(qrSheet, "<t>4200000000000001</t>") ||
		!strings.Contains(qrSheet, "<v>-49.81</v>") {
		t.Fatalf("qr sheet %s", qrSheet)
	}
	// Without a QR source the totals are the same and no line is listed.
	bare, err := settlement.BuildStatement(ctx, f.m, nil, shop, "2026-03-01", "2026-03-01", false)
	if err != nil || len(bare.QR) != 0 || bare.Rows[0] != row {
		t.Fatalf("without QR source: %+v %v", bare, err)
	}
}
