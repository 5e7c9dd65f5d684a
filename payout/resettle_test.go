package payout_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/payout"
	"github.com/posguard/posguard/simbank"
	"github.com/posguard/posguard/sqlite"
	"github.com/posguard/posguard/storetest"
)

// TestUpdateAccountVerifiesBeforeStoring: an account the bank rejects is
// refused and never stored; the merchant keeps its account. One the bank
// accepts is stored with the bank's status.
func TestUpdateAccountVerifiesBeforeStoring(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "p.db"), storetest.NewSealer())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	good := posguard.SettlementAccount{Bank: "ICBC", Number: "6222021234567890123", Name: "Li Lei", Status: "ok"}
	m := &posguard.Merchant{ID: "898310048990001", Name: "Tea", Status: posguard.MerchantActive, Account: good}
	if err := st.PutMerchant(ctx, m); err != nil {
		t.Fatal(err)
	}
	bank := simbank.New([]*posguard.Merchant{m})
	frozen := posguard.SettlementAccount{Bank: "CCB", Number: "4300150160052000777", Name: "Li Lei"}
	bank.SetAccount(posguard.SettlementAccount{Bank: "CCB", Number: frozen.Number, Name: "Li Lei", Status: "frozen"})
	r := &payout.Runner{Store: st.Money(), Merchants: st, Bank: bank}

	a, err := r.UpdateAccount(ctx, m.ID, frozen)
	if posguard.ErrorCode(err) != posguard.EINVALID || a.Status != "frozen" {
		t.Fatalf("frozen account: %+v, %v; want EINVALID with status frozen", a, err)
	}
	got, err := st.Merchant(ctx, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Account != good {
		t.Fatalf("rejected account stored: %+v, want the previous %+v", got.Account, good)
	}

	bank.SetAccount(posguard.SettlementAccount{Bank: "CCB", Number: frozen.Number, Name: "Li Lei", Status: "ok"})
	if a, err = r.UpdateAccount(ctx, m.ID, frozen); err != nil || a.Status != "ok" {
		t.Fatalf("verified account: %+v, %v", a, err)
	}
	if got, _ = st.Merchant(ctx, m.ID); got.Account.Number != frozen.Number || got.Account.Status != "ok" {
		t.Fatalf("verified account not stored: %+v", got.Account)
	}
}
