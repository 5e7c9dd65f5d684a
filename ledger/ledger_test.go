package ledger

import (
	"testing"

	"github.com/posguard/posguard"
)

func TestProRata(t *testing.T) {
	for _, c := range []struct{ fee, part, whole, want posguard.Amount }{
		{60, 3333, 10001, 20}, // 19.998 → 20
		{60, 5000, 10000, 30},
		{1, 50, 100, 1}, // 0.5 → 1 (half up)
		{1, 49, 100, 0},
		{60, 20000, 10000, 60}, // capped at the fee
		{60, 0, 10000, 0},
		{60, 10, 0, 0},
	} {
		if got := ProRata(c.fee, c.part, c.whole); got != c.want {
			t.Errorf("ProRata(%d, %d, %d) = %d, want %d", c.fee, c.part, c.whole, got, c.want)
		}
	}
}

func TestPostingsBalanceAndHashCoversContent(t *testing.T) {
	sale := &posguard.Transaction{ID: 7, MerchantID: "M1", SettlementDate: "2026-03-01", Amount: 10000}
	a := Approval(sale, 60, posguard.CardCredit)
	v := Void(&posguard.Transaction{ID: 8, OrigID: 7, MerchantID: "M1", SettlementDate: "2026-03-01", Amount: 10000}, a)
	r := Refund(&posguard.Transaction{ID: 9, OrigID: 7, MerchantID: "M1", SettlementDate: "2026-03-02", Amount: 2500}, a, 0, 0)
	x := Reversal(sale, a)
	noMerchant := Approval(&posguard.Transaction{ID: 10, Amount: 500}, 0, "")
	for _, p := range []*posguard.Posting{a, v, r, x, noMerchant} {
		if err := p.Balanced(); err != nil {
			t.Errorf("%s: %v", p.Key, err)
		}
	}
	if v.Net != -a.Net || v.Fee != -60 || r.Fee != -15 || r.Net != -2485 || x.Net != -a.Net {
		t.Fatalf("void %+v refund %+v reversal %+v", v, r, x)
	}
	if noMerchant.Entries[1].Account != Suspense {
		t.Fatalf("a transaction without merchant goes to suspense: %+v", noMerchant.Entries)
	}
	a.Seq = 1
	h := posguard.PostingHash("", a)
	for name, change := range map[string]func(p *posguard.Posting){
		"amount":  func(p *posguard.Posting) { p.Entries[0].Amount++ },
		"account": func(p *posguard.Posting) { p.Entries[1].Account = "merchant_payable:M2" },
		"seq":     func(p *posguard.Posting) { p.Seq = 2 },
		"fee":     func(p *posguard.Posting) { p.Fee = 61 },
	} {
		c := *a
		c.Entries = append([]posguard.Entry(nil), a.Entries...)
		change(&c)
		if posguard.PostingHash("", &c) == h {
			t.Errorf("changing the %s keeps the hash", name)
		}
	}
	if posguard.PostingHash("x", a) == h {
		t.Error("the hash does not cover the previous hash")
	}
	bad := *a
	bad.Entries = []posguard.Entry{{Account: NetworkReceivable, Amount: 1}, {Account: FeeIncome, Amount: -2}}
	if posguard.ErrorCode(bad.Balanced()) != posguard.EINVALID {
		t.Error("an unbalanced posting passes")
	}
}

// TestPostingHashPinned pins the chain's hash of two postings: a ledger
// written by an earlier build must verify with this one, so the input the
// hash covers may never change.
func TestPostingHashPinned(t *testing.T) {
	a := Approval(&posguard.Transaction{ID: 7, MerchantID: "M1", SettlementDate: "2026-03-01", Amount: 10000}, 60, posguard.CardCredit)
	a.Seq = 1
	r := Refund(&posguard.Transaction{ID: 9, OrigID: 7, MerchantID: "商户", SettlementDate: "2026-03-02", Amount: 2500}, a, 0, 0)
	r.Seq, r.Ref = 12345678901, `R"x`
	ha := posguard.PostingHash("", a)
	if want := "42b69a8a257ce765efd8208623cf40e7777bb14309692e4799807a7607ae7247"; ha != want {
		t.Errorf("hash of the approval %s, want %s", ha, want)
	}
	if h, want := posguard.PostingHash(ha, r), "845bf8aafcb6ddc4dba3a5ae7048bf20110dd17886ba974283115711c533d7d0"; h != want {
		t.Errorf("hash of the refund %s, want %s", h, want)
	}
}

// BenchmarkPostingHash hashes a sale's approval posting.
func BenchmarkPostingHash(b *testing.B) {
	a := Approval(&posguard.Transaction{ID: 123456, MerchantID: "898310048990001", SettlementDate: "2026-03-01", Amount: 10000}, 60, posguard.CardCredit)
	a.Seq = 123456
	prev := posguard.PostingHash("", a)
	for b.Loop() {
		posguard.PostingHash(prev, a)
	}
}

// TestTxnKey pins the key format: postings already in a ledger are found by it.
func TestTxnKey(t *testing.T) {
	if k := TxnKey(1234567890123, posguard.PostRefund); k != "txn:1234567890123:refund" {
		t.Fatalf("key %q", k)
	}
}
