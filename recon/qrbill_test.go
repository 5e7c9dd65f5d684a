package recon

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/wallet"
)

var testBillSource = posguard.QRBillSource{Channel: "wx", Kind: "wechat", AppID: "wx5f3c9a1e2b7d4c60", MerchantID: "898310048990001", MchID: "1900000101"}

const testBill = wallet.BillHeader + "\n" +
	"2026-11-23T10:16:00+08:00,wx5f3c9a1e2b7d4c60,1900000101,PG0000000000000001,T1,MICROPAY,PAY,1234,,,7\n" +
	"2026-11-23T11:00:00+08:00,wx5f3c9a1e2b7d4c60,1900000101,PG0000000000000001,T1,MICROPAY,REFUND,300,PR000001,RID1,2\n" +
	"2026-11-23T23:59:59+08:00,wx5f3c9a1e2b7d4c60,1900000101,PG0000000000000002,T2,NATIVE,REVERSE,50,,,0\n"

func TestReadQRBill(t *testing.T) {
	rows, err := ReadQRBill("QR20261123.wx.1900000101.csv", "2026-11-23", testBillSource, []byte(testBill))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[1].Type != wallet.BillRefund || rows[1].OutRefundNo != "PR000001" || rows[0].Fee != 7 || rows[2].Amount != 50 {
		t.Fatalf("rows = %+v", rows)
	}
	if rows, err := ReadQRBill("b", "2026-11-23", testBillSource, []byte(wallet.BillHeader+"\n")); err != nil || len(rows) != 0 {
		t.Fatalf("header only: %v %v", rows, err)
	}
	bad := []struct{ name, bill, want string }{
		{"header", "trade_time,app_id\n", "line 1: not the bill header"},
		{"columns", wallet.BillHeader + "\na,b\n", "line 2: 2 columns, want 11"},
		{"time", strings.Replace(testBill, "2026-11-23T10:16:00+08:00", "yesterday", 1), "line 2, column trade_time"},
		{"day", strings.Replace(testBill, "2026-11-23T10:16:00+08:00", "2026-11-24T00:00:00+08:00", 1), "is not on 2026-11-23"},
		{"app", strings.Replace(testBill, "wx5f3c9a1e2b7d4c60", "other", 1), "column app_id"},
		{"mch", strings.Replace(testBill, ",1900000101,", ",1900000999,", 1), "column mch_id"},
		{"amount", strings.Replace(testBill, ",1234,", ",12.34,", 1), "column amount"},
		{"zero", strings.Replace(testBill, ",1234,", ",0,", 1), "column amount"},
		{"type", strings.Replace(testBill, ",PAY,", ",TAKE,", 1), "column type"},
		{"refund no", strings.Replace(testBill, "PR000001", "", 1), "column out_refund_no"},
		{"fee", strings.Replace(testBill, ",,,7\n", ",,,-7\n", 1), "column fee"},
		{"bytes", strings.Replace(testBill, "T1", "T\x001", 1), "outside printable ASCII"},
	}
	for _, c := range bad {
		_, err := ReadQRBill("QR20261123.wx.1900000101.csv", "2026-11-23", testBillSource, []byte(c.bill))
		if posguard.ErrorCode(err) != posguard.EINVALID || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "QR20261123.wx.1900000101.csv line") {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}

func TestQRBillName(t *testing.T) {
	n := QRBillName("2026-11-23", "wx_1", "1900-0101")
	if n != "QR20261123.wx_1.1900-0101.csv" {
		t.Fatal(n)
	}
	d, c, m, ok := ParseQRBillName("/in/" + n)
	if !ok || d != "2026-11-23" || c != "wx_1" || m != "1900-0101" {
		t.Fatalf("%s %s %s %v", d, c, m, ok)
	}
	for _, bad := range []string{"QR2026112.wx.1.csv", "QR20261323.wx.1.csv", "QR20261123.wx.csv", "IND26112301ACOM", "QR20261123.w x.1.csv"} {
		if _, _, _, ok := ParseQRBillName(bad); ok {
			t.Errorf("%q accepted", bad)
		}
	}
}

// FuzzReadQRBill: no input panics; a bill read is written back (the
// channel's format) and read again to the same rows.
func FuzzReadQRBill(f *testing.F) {
	f.Add([]byte(testBill))
	f.Add([]byte(wallet.BillHeader + "\n"))
	f.Add([]byte(wallet.BillHeader + "\r\n2026-11-23T10:16:00+08:00,wx5f3c9a1e2b7d4c60,1900000101,A,,NATIVE,PAY,1,,,1\r\n"))
	f.Add([]byte(""))
	f.Add([]byte("\n\n"))
	f.Add([]byte(strings.Replace(testBill, "+08:00", "Z", -1)))
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := ReadQRBill("QR20261123.wx.1900000101.csv", "2026-11-23", testBillSource, data)
		if err != nil {
			if posguard.ErrorCode(err) != posguard.EINVALID {
				t.Fatalf("error code %s: %v", posguard.ErrorCode(err), err)
			}
			return
		}
		for _, r := range rows {
			if !wallet.ValidAmount(r.Amount) || r.Fee < 0 || r.Fee > r.Amount || !wallet.ValidNumber(r.OutTradeNo) {
				t.Fatalf("row accepted: %+v", r)
			}
		}
		again, err := ReadQRBill("QR20261123.wx.1900000101.csv", "2026-11-23", testBillSource, []byte(wallet.FormatBill(rows)))
		if err != nil {
			t.Fatalf("written back: %v", err)
		}
		if len(rows) != len(again) || len(rows) > 0 && !reflect.DeepEqual(rows, again) {
			t.Fatalf("round trip: %+v != %+v", rows, again)
		}
		checkCompactBill(t, data, rows)
	})
}

// checkCompactBill checks that the compact form of a bill holds rows:
// each row, its group's rows in bill order, groups in the order of their
// first rows, and the index finding each number.
func checkCompactBill(t *testing.T, data []byte, rows []wallet.BillRow) {
	t.Helper()
	b, err := readQRBill("b", "2026-11-23", testBillSource, bytes.NewReader(data), MaxQRBill)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.rows) != len(rows) {
		t.Fatalf("%d compact rows, want %d", len(b.rows), len(rows))
	}
	var order []string // numbers by first row
	of := map[string][]int{}
	for i, r := range rows {
		got := b.row(int32(i))
		if got.line != i+2 || got.OutTradeNo != r.OutTradeNo || got.Type != r.Type || got.Amount != r.Amount ||
			got.Fee != r.Fee || got.OutRefundNo != r.OutRefundNo {
			t.Fatalf("row %d = %+v, want %+v", i, got, r)
		}
		if of[r.OutTradeNo] == nil {
			order = append(order, r.OutTradeNo)
		}
		of[r.OutTradeNo] = append(of[r.OutTradeNo], i+2)
	}
	if len(b.groups) != len(order) {
		t.Fatalf("%d groups, want %d", len(b.groups), len(order))
	}
	for g, no := range order {
		if b.no(int32(g)) != no {
			t.Fatalf("group %d is %q, want %q", g, b.no(int32(g)), no)
		}
		if f, ok := b.find(no); !ok || f != int32(g) {
			t.Fatalf("find(%q) = %d %v, want %d", no, f, ok, g)
		}
		var lines []int
		for _, r := range b.groupRows(nil, int32(g)) {
			lines = append(lines, r.line)
		}
		if !reflect.DeepEqual(lines, of[no]) {
			t.Fatalf("group %q lines %v, want %v", no, lines, of[no])
		}
	}
	if _, ok := b.find("not-in-the-bill"); ok && of["not-in-the-bill"] == nil {
		t.Fatal("found a number the bill does not hold")
	}
}

// TestQRBillGroups reads a bill whose numbers repeat out of order and
// checks its compact form: groups in the order of their first rows, the
// rows of each chained in bill order, every number found by the index.
func TestQRBillGroups(t *testing.T) {
	line := func(no, typ, refundNo, refundID string) string {
		return "2026-11-23T10:16:00+08:00,wx5f3c9a1e2b7d4c60,1900000101," + no + ",T,NATIVE," + typ + ",100," + refundNo + "," + refundID + ",1\n"
	}
	bill := wallet.BillHeader + "\n" +
		line("PGz", "PAY", "", "") +
		line("PGa", "PAY", "", "") +
		line("PGz", "REFUND", "R1", "X1") +
		line("PGm", "REVERSE", "", "") +
		line("PGa", "REFUND", "R2", "X2") +
		line("PGz", "REFUND", "R3", "X3") +
		line("PGa0", "PAY", "", "")
	rows, err := ReadQRBill("b", "2026-11-23", testBillSource, []byte(bill))
	if err != nil {
		t.Fatal(err)
	}
	checkCompactBill(t, []byte(bill), rows)
	b, _ := readQRBill("b", "2026-11-23", testBillSource, strings.NewReader(bill), MaxQRBill)
	if len(b.groups) != 4 || b.no(0) != "PGz" || b.no(3) != "PGa0" || b.groups[0].first != 0 || b.groups[0].last != 5 {
		t.Fatalf("groups %+v of %q", b.groups, b.nos)
	}
	for _, no := range []string{"PG", "PGb", "PGa1", "", "PGzz"} {
		if g, ok := b.find(no); ok {
			t.Fatalf("find(%q) = %d", no, g)
		}
	}
}
