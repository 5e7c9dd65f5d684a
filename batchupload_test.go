package posguard

import (
	"strings"
	"testing"
)

func TestCompareUpload(t *testing.T) {
	tx := func(stan string, typ TxnType, st State, amount Amount, hash string) *Transaction {
		return &Transaction{TxnKey: TxnKey{STAN: stan}, Type: typ, State: st, Amount: amount, PANHash: hash, PANMasked: "622588******0019"}
	}
	item := func(stan string, amount Amount, hash string) UploadItem {
		return UploadItem{STAN: stan, Amount: amount, PANHash: hash, PANMasked: "622588******0019"}
	}
	txns := []*Transaction{
		tx("000001", TxnSale, StateApproved, 100, "a"),     // matches
		tx("000002", TxnSale, StateApproved, 200, "a"),     // amount differs
		tx("000003", TxnSale, StateDeclined, 300, "a"),     // declined at the host
		tx("000004", TxnSale, StateReversed, 400, "a"),     // reversed at the host
		tx("000005", TxnSale, StateApproved, 500, "a"),     // not uploaded
		tx("000006", TxnSale, StateApproved, 600, "a"),     // other card
		tx("000007", TxnVoid, StateApproved, 100, "a"),     // a void, matches
		tx("000008", TxnPreAuth, StateApproved, 800, "a"),  // pre-auths are not uploaded
		tx("000009", TxnInquiry, StateApproved, 0, "a"),    // nor inquiries
		tx("000010", TxnSale, StateVoided, 1000, "a"),      // voided: still counts, matches
		tx("000011", TxnReversal, StateCompleted, 400, ""), // reversal records are ignored
	}
	items := []UploadItem{
		item("000001", 100, "a"), item("000002", 250, "a"), item("000003", 300, "a"), item("000004", 400, "a"),
		item("000006", 600, "b"), item("000007", 100, "a"), item("000010", 1000, "a"), item("000012", 50, "a"),
	}
	diffs := CompareUpload(items, txns)
	got := []string{}
	for _, d := range diffs {
		got = append(got, d.STAN+":"+d.Cause)
	}
	want := []string{"000002:upload.amount", "000003:upload.host_declined", "000004:upload.host_reversed",
		"000005:upload.terminal_missing", "000006:upload.card", "000012:upload.host_missing"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("diffs\n got %v\nwant %v", got, want)
	}
	if len(CompareUpload(items[:1], txns[:1])) != 0 {
		t.Fatal("a matching upload differs")
	}
	for _, d := range diffs {
		for _, lang := range []string{"zh", "en"} {
			s := d.Text(lang)
			if !strings.Contains(s, d.STAN) || strings.Contains(s, d.Cause) {
				t.Errorf("%s text %q", lang, s)
			}
		}
	}
}
