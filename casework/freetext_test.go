package casework_test

import (
	"context"
	"strings"
	"testing"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/casework"
)

// Card numbers typed into a complaint, a note, a status note or an outcome
// are stored masked.
func TestFreeTextCardNumbersMasked(t *testing.T) {
	const card = "6222 0200 0000 0015"
	f := newFixture(t)
	ctx := context.Background()
	x := f.txn(t, 1000, posguard.StateApproved, "00", posguard.ReasonApproved)
	c, _, err := f.svc.OpenComplaint(ctx, casework.Complaint{RRN: x.RRN, MerchantID: x.MerchantID, Author: "merchant:M1", Text: "card " + card + " charged twice"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.AddEntry(ctx, c.ID, posguard.EntryNote, "wang", "cardholder read out 6222020000000015"); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Resolve(ctx, c.ID, "refunded to 6222020000000015", "wang"); err != nil {
		t.Fatal(err)
	}
	_, entries, err := f.svc.Get(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	for _, e := range entries {
		all.WriteString(e.Text + "\n")
	}
	got := all.String()
	if strings.Contains(got, "6222020000000015") || strings.Contains(got, card) {
		t.Fatalf("a card number is stored in clear:\n%s", got)
	}
	if !strings.Contains(got, "622202******0015") {
		t.Fatalf("masked card number missing:\n%s", got)
	}
}
