package dispute_test

import (
	"context"
	"testing"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/dispute"
)

// fetchOnResponded is the rig's store, which runs the dispute fetch once,
// right after a dispute is first marked responded: the fetch loop landing
// between a response's state change and the ruling the network answered
// it with, both applying the same ruling.
type fetchOnResponded struct {
	dispute.Store
	fetch   func()
	fetched bool
}

func (s *fetchOnResponded) UpdateDispute(ctx context.Context, u posguard.DisputeUpdate) error {
	if err := s.Store.UpdateDispute(ctx, u); err != nil {
		return err
	}
	if u.State == posguard.DisputeResponded && !s.fetched {
		s.fetched = true
		s.fetch()
	}
	return nil
}

// TestRespondRuledMeanwhile: the merchant answers a chargeback with its
// statement and the network rules it won at once; the fetch loop applies
// the same ruling from the dispute file before the response's own call
// does. The merchant's response succeeds (it answered 409 "dispute is won"
// before), the dispute is won, and the merchant is credited back once.
func TestRespondRuledMeanwhile(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	sale := r.sale(shop, shopTID, 8000) // fee 0.40
	id := r.raise(sale, posguard.DisputeChargeback, "4515")
	r.fetch()
	if p := r.position(shop); p.Unsettled != 8000-40-8000 {
		t.Fatalf("after the chargeback: %+v", p)
	}
	racing := &fetchOnResponded{Store: r.svc.Store}
	racing.fetch = func() {
		if rep, err := r.svc.Fetch(ctx); err != nil || len(rep.Ruled) != 1 || rep.Ruled[0] != id {
			t.Errorf("the fetch between: %+v %v", rep, err)
		}
	}
	r.svc.Store = racing
	if _, err := r.svc.AddStatement(ctx, id, shopUser, "the cardholder signed the slip"); err != nil {
		t.Fatal(err)
	}
	d, err := r.svc.Respond(ctx, id, shopUser, "")
	if err != nil {
		t.Fatalf("respond: %v", err)
	}
	if !racing.fetched {
		t.Fatal("the fetch did not run between the response and its ruling")
	}
	if d.State != posguard.DisputeWon {
		t.Fatalf("dispute %s, want won", d.State)
	}
	if p := r.position(shop); p.Unsettled != 8000-40 {
		t.Errorf("after the ruling: %+v (credited back once: %d)", p, 8000-40)
	}
}
