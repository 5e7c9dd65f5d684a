package diagnosis

import "testing"

// The refund guard of settlement declines with refund.merchant_balance; the
// knowledge base must explain it at the terminal (code 13) in both languages.
func TestRefundMerchantBalanceReason(t *testing.T) {
	e, ok := Lookup("refund.merchant_balance")
	if !ok {
		t.Fatal("refund.merchant_balance has no entry")
	}
	if e.Code != "13" || len(e.Remedy) == 0 || e.Name.ZH == "" || e.Name.EN == "" {
		t.Fatalf("entry %+v", e)
	}
}
