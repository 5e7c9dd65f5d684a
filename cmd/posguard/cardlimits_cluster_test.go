package main

import (
	"context"
	"testing"
	"time"

	"github.com/posguard/posguard"
)

// TestCardLimitAcrossInstances: two instances on one PostgreSQL database
// judge one card's daily count at one merchant together. The card buys
// once on instance A, once on B (the terminal moved), and its third sale,
// back on A, is refused 65 (limit.card_daily_count): A read the card's
// usage again from the journal, where B's sale is, instead of counting
// only its own. The same holds for the per-card amount (61). The instances
// read the usage again before every debit (--usage-refresh 1ns) so the
// test needs no wait; by default they read it every second.
func TestCardLimitAcrossInstances(t *testing.T) {
	c := startCluster(t, 2, "", 5*time.Second, "--usage-refresh", "1ns")
	ctx := context.Background()
	st := c.hosts[0].serve.store
	ls, ok := st.(posguard.MerchantLimitStore)
	if !ok {
		t.Fatalf("%T cannot set limits", st)
	}
	m, err := st.Merchant(ctx, shopMID)
	if err != nil {
		t.Fatal(err)
	}
	l := m.Limits
	l.CardDailyCount, l.CardDaily = 2, 5000
	if _, err := ls.SetMerchantLimits(ctx, shopMID, l); err != nil {
		t.Fatal(err)
	}
	a, b := c.hosts[0].term, c.hosts[1].term
	term := dialRaw(t, a, shopTID, shopMID, shopTMK, "003", "cups-ecb")
	if r := term.signOn(); r != "00" {
		t.Fatalf("sign-on: %s", r)
	}
	code(t, "card's first sale, on A", term.send(term.sale(goodCard, goodExp, "123456", 1000), true), "00")
	term.moveTo(t, b)
	code(t, "card's second sale, on B", term.send(term.sale(goodCard, goodExp, "123456", 1000), true), "00")
	term.moveTo(t, a)
	third := term.sale(goodCard, goodExp, "123456", 1000)
	code(t, "card's third sale, back on A (count 2 reached on A and B together)", term.send(third.Clone(), true), "65")
	if x, err := st.ByKey(ctx, posguard.TxnKey{TerminalID: shopTID, Batch: third.Get(60)[2:8], STAN: third.Get(11), MTI: "0200"}); err != nil || x.Reason != posguard.ReasonLimitCardCount {
		t.Fatalf("third sale's reason: %v %v", x, err)
	}
	// Another card is not affected; the amount is counted across
	// instances too: 30.00 of the 50.00 on B, then 30.00 more on A is over.
	code(t, "another card on A", term.send(term.sale(good2Card, good2Exp, "123456", 3000), true), "00")
	term.moveTo(t, b)
	code(t, "another card over its amount, on B (30.00 + 30.00 > 50.00)", term.send(term.sale(good2Card, good2Exp, "123456", 3000), true), "61")
}
