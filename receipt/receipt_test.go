package receipt_test

import (
	"strings"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/receipt"
)

// TestText: a void's slip names its original; a small contactless sale's
// needs no signature; a declined sale has no receipt.
func TestText(t *testing.T) {
	at := time.Date(2026, 3, 1, 16, 30, 0, 0, time.UTC)
	sale := &posguard.Transaction{ID: 7, TxnKey: posguard.TxnKey{TerminalID: "T0000001", Batch: "000001", STAN: "000011"},
		Type: posguard.TxnSale, MerchantID: "898310048990001", PANMasked: "622202******1234", Amount: 8800,
		EntryMode: "071", RRN: "000000000011", AuthCode: "A1B2C3", ResponseCode: "00", State: posguard.StateVoided, CreatedAt: at}
	void := &posguard.Transaction{ID: 8, TxnKey: posguard.TxnKey{TerminalID: "T0000001", Batch: "000001", STAN: "000012"},
		Type: posguard.TxnVoid, MerchantID: sale.MerchantID, PANMasked: sale.PANMasked, Amount: 8800, EntryMode: "051",
		RRN: "000000000012", ResponseCode: "00", State: posguard.StateApproved, OrigID: 7, CreatedAt: at.Add(time.Minute)}
	m := &posguard.Merchant{ID: sale.MerchantID, Name: "鲜果铺"}

	r, err := posguard.NewReceipt(sale, m, nil, posguard.CardDebit)
	if err != nil {
		t.Fatal(err)
	}
	txt := receipt.Text(r)
	for _, want := range []string{"商户名称 MERCHANT NAME: 鲜果铺", "2026-03-02 00:30:00 (UTC+8)", "RMB 88.00", "借记卡 DEBIT", "NO SIGNATURE REQUIRED"} {
		if !strings.Contains(txt, want) {
			t.Errorf("sale slip lacks %q:\n%s", want, txt)
		}
	}
	r, err = posguard.NewReceipt(void, m, sale, "")
	if err != nil {
		t.Fatal(err)
	}
	txt = receipt.Text(r)
	for _, want := range []string{"消费撤销 VOID", "原交易 ORIGINAL: 2026-03-02 批次 BATCH 000001 凭证 TRACE 000011 参考 REF 000000000011", "持卡人签名"} {
		if !strings.Contains(txt, want) {
			t.Errorf("void slip lacks %q:\n%s", want, txt)
		}
	}
	declined := *sale
	declined.ResponseCode, declined.State = "51", posguard.StateDeclined
	if _, err := posguard.NewReceipt(&declined, m, nil, ""); posguard.ErrorCode(err) != posguard.ENOTFOUND {
		t.Errorf("declined sale: %v, want not_found", err)
	}
}
