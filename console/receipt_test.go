package console_test

import (
	"fmt"
	"strings"
	"testing"
)

// TestReceiptPage: a merchant opens the printable receipt of its approved
// sale from the transaction page, in zh and en, with the slip's fields and
// the card masked; another merchant's receipt and a declined transaction's
// are the not-found page.
func TestReceiptPage(t *testing.T) {
	w := newWorld(t)
	a := w.login(t, "shop-a")
	txn := fmt.Sprintf("/transactions/%d", w.amtA.ID)
	link := txn + "/receipt"
	if _, page, _ := a.get(txn); !strings.Contains(page, `href="`+link+`"`) {
		t.Fatal("the transaction page does not link its receipt")
	}
	st, zh, _ := a.get(link + "?lang=zh")
	if st != 200 {
		t.Fatalf("receipt: %d", st)
	}
	for _, want := range []string{"电子签购单", "鲜果铺", midA, tidA, w.amtA.PANMasked, "消费", "凭证号", w.amtA.STAN,
		"参考号", w.amtA.RRN, "1,234.00 元", "持卡人签名", `class="slip"`} {
		if !strings.Contains(zh, want) {
			t.Errorf("zh receipt lacks %q", want)
		}
	}
	if strings.Contains(zh, panB) {
		t.Error("full card number on the receipt")
	}
	_, en, _ := a.get(link + "?lang=en")
	for _, want := range []string{"Electronic receipt", "SALE", "Trace no.", "¥1,234.00", "Cardholder signature"} {
		if !strings.Contains(en, want) {
			t.Errorf("en receipt lacks %q", want)
		}
	}
	// Another merchant's receipt, and a declined transaction: not found.
	for _, p := range []string{fmt.Sprintf("/transactions/%d/receipt", w.approvedB.ID), fmt.Sprintf("/transactions/%d/receipt", w.declinedA.ID)} {
		if st, body, _ := a.get(p + "?lang=en"); st != 404 || !strings.Contains(body, "Not found") {
			t.Errorf("%s: %d", p, st)
		}
	}
	if _, page, _ := a.get(fmt.Sprintf("/transactions/%d", w.declinedA.ID)); strings.Contains(page, "/receipt") {
		t.Error("a declined transaction links a receipt")
	}
	// Staff see any merchant's receipt.
	if st, _, _ := w.login(t, "ops").get(fmt.Sprintf("/transactions/%d/receipt", w.approvedB.ID)); st != 200 {
		t.Errorf("ops on B's receipt: %d", st)
	}
}
