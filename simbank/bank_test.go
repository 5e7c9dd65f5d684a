package simbank

import (
	"context"
	"testing"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/payout"
)

func TestSimBankFollowsAccountStatus(t *testing.T) {
	ctx := context.Background()
	acct := func(n, name, st string) posguard.SettlementAccount {
		return posguard.SettlementAccount{Bank: "B", Number: n, Name: name, Status: st}
	}
	b := New([]*posguard.Merchant{
		{ID: "1", Account: acct("100", "A", "ok")},
		{ID: "2", Account: acct("200", "B", "frozen")},
		{ID: "3", Account: acct("300", "C", "closed")},
		{ID: "4", Account: acct("400", "D", "name_mismatch")},
	})
	for _, c := range []struct {
		id      string
		account posguard.SettlementAccount
		ok      bool
		reason  string
	}{
		{"p1", acct("100", "A", ""), true, ""},
		{"p2", acct("200", "B", ""), false, posguard.ReasonAccountFrozen},
		{"p3", acct("300", "C", ""), false, posguard.ReasonAccountClosed},
		{"p4", acct("400", "D", ""), false, posguard.ReasonNameMismatch},
		{"p5", acct("100", "Someone else", ""), false, posguard.ReasonNameMismatch},
		{"p6", acct("999", "X", ""), false, posguard.ReasonAccountClosed},
	} {
		r, err := b.Submit(ctx, payout.Order{PayoutID: c.id, Account: c.account, Amount: 100})
		if err != nil || r.Accepted != c.ok || r.Reason != c.reason {
			t.Errorf("%s: %+v %v, want ok %v reason %q", c.id, r, err, c.ok, c.reason)
		}
	}
	// Dedup by payout ID: a repeat answers the first result and pays nothing more.
	if r, _ := b.Submit(ctx, payout.Order{PayoutID: "p1", Account: acct("100", "A", ""), Amount: 100}); !r.Accepted || b.Credits("p1") != 1 {
		t.Fatalf("repeat: %+v credits %d", r, b.Credits("p1"))
	}
	// An injected timeout never reaches the bank; a lost answer does.
	b.TimeoutNext(1)
	if _, err := b.Submit(ctx, payout.Order{PayoutID: "p7", Account: acct("100", "A", "")}); posguard.ErrorCode(err) != posguard.ETIMEOUT || b.Credits("p7") != 0 {
		t.Fatalf("timeout: %v credits %d", err, b.Credits("p7"))
	}
	b.LoseAnswerNext(1)
	if _, err := b.Submit(ctx, payout.Order{PayoutID: "p8", Account: acct("100", "A", "")}); posguard.ErrorCode(err) != posguard.ETIMEOUT || b.Credits("p8") != 1 {
		t.Fatalf("lost answer: %v credits %d", err, b.Credits("p8"))
	}
	if err := b.ReturnLater("p2", ""); posguard.ErrorCode(err) != posguard.EINVALID {
		t.Fatalf("return of a refused payout: %v", err)
	}
	if err := b.ReturnLater("p1", posguard.ReasonBankReturn); err != nil {
		t.Fatal(err)
	}
	rs, _ := b.Returns(ctx)
	if len(rs) != 1 || rs[0].PayoutID != "p1" {
		t.Fatalf("returns %+v", rs)
	}
	if rs, _ = b.Returns(ctx); len(rs) != 0 {
		t.Fatalf("returns handed over twice: %+v", rs)
	}
	if st, _ := b.Verify(ctx, acct("200", "B", "")); st != "frozen" {
		t.Fatalf("verify frozen: %s", st)
	}
}
