package dispute_test

import (
	"context"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/ledger"
)

// TestArbitrationLostIsFinal: with a ruling delay, a chargeback answered
// without the merchant's evidence waits (responded), is ruled lost when
// the delay passes (picked up by the fetch), goes to arbitration without
// more evidence and is ruled lost again: final (lost by arbitration), no
// second escalation, no credit. Another merchant cannot escalate it.
func TestArbitrationLostIsFinal(t *testing.T) { arbitrationLostIsFinal(t, newRig(t)) }

func TestArbitrationLostIsFinalPostgres(t *testing.T) { arbitrationLostIsFinal(t, newRigPostgres(t)) }

func arbitrationLostIsFinal(t *testing.T, r *rig) {
	ctx := context.Background()
	r.net.SetDisputeRulingDelay(48 * time.Hour)
	sale := r.sale(shop, shopTID, 10000)
	id := r.raise(sale, posguard.DisputeChargeback, "4515")
	r.fetch()
	d, err := r.svc.Respond(ctx, id, shopUser, "")
	must(t, err)
	if d.State != posguard.DisputeResponded {
		t.Fatalf("after the response: %s", d.State)
	}
	if rep := r.fetch(); len(rep.Ruled) != 0 {
		t.Fatalf("ruled before the delay: %v", rep.Ruled)
	}
	if _, err := r.svc.Escalate(ctx, id, shopUser, ""); posguard.ErrorCode(err) != posguard.ECONFLICT {
		t.Fatalf("escalating before the ruling: %v", err)
	}
	r.clock.Add(48 * time.Hour)
	if rep := r.fetch(); len(rep.Ruled) != 1 || rep.Ruled[0] != id {
		t.Fatalf("the ruling did not come with the file: %+v", rep)
	}
	if rep := r.fetch(); len(rep.Ruled) != 0 {
		t.Fatalf("the ruling applied twice: %+v", rep)
	}
	d, _ = r.st.Dispute(ctx, id)
	if d.State != posguard.DisputeLost || d.LostBy != posguard.LostByNetwork {
		t.Fatalf("after the ruling: %s by %s", d.State, d.LostBy)
	}
	if _, err := r.svc.Escalate(ctx, id, otherUser, ""); posguard.ErrorCode(err) != posguard.ENOTFOUND {
		t.Fatalf("another merchant escalating: %v", err)
	}
	d, err = r.svc.Escalate(ctx, id, shopUser, "")
	must(t, err)
	if d.State != posguard.DisputeArbitration {
		t.Fatalf("after escalating: %s", d.State)
	}
	r.clock.Add(48 * time.Hour)
	if rep := r.fetch(); len(rep.Ruled) != 1 {
		t.Fatalf("the arbitration ruling did not come: %+v", rep)
	}
	d, _ = r.st.Dispute(ctx, id)
	if d.State != posguard.DisputeLost || d.LostBy != posguard.LostByArbitration {
		t.Fatalf("after arbitration: %s by %s", d.State, d.LostBy)
	}
	if _, err := r.svc.Escalate(ctx, id, shopUser, "again"); posguard.ErrorCode(err) != posguard.ECONFLICT {
		t.Fatalf("second escalation: %v", err)
	}
	if _, err := r.svc.AddStatement(ctx, id, shopUser, "late"); posguard.ErrorCode(err) != posguard.ECONFLICT {
		t.Fatalf("evidence after the final ruling: %v", err)
	}
	ps, err := r.m.PostingsForTxn(ctx, sale.ID)
	must(t, err)
	for _, p := range ps {
		if p.Key == ledger.DisputeKey(id, posguard.PostRepresentment) {
			t.Fatal("a lost arbitration credited the merchant")
		}
	}
	if _, err := ledger.Verify(ctx, r.m); err != nil {
		t.Fatal(err)
	}
}

// TestArbitrationWindow: a lost representment may be escalated within 10
// days of the ruling, not after; a dispute accepted without contest and a
// retrieval request never.
func TestArbitrationWindow(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	sale := r.sale(shop, shopTID, 10000)
	id := r.raise(sale, posguard.DisputeChargeback, "4515")
	r.fetch()
	d, err := r.svc.Respond(ctx, id, shopUser, "") // ruled at once: lost
	must(t, err)
	if d.State != posguard.DisputeLost || d.LostBy != posguard.LostByNetwork {
		t.Fatalf("immediate ruling: %s by %s", d.State, d.LostBy)
	}
	r.clock.Add(posguard.ArbitrationWindow)
	if _, err := r.svc.Escalate(ctx, id, shopUser, "too late"); posguard.ErrorCode(err) != posguard.ECONFLICT {
		t.Fatalf("escalating after the window: %v", err)
	}
	if _, err := r.svc.AddStatement(ctx, id, shopUser, "too late"); posguard.ErrorCode(err) != posguard.ECONFLICT {
		t.Fatalf("evidence after the window: %v", err)
	}
	other := r.raise(r.sale(shop, shopTID, 5000), posguard.DisputeChargeback, "4512")
	r.fetch()
	_, err = r.svc.Accept(ctx, other, ops, "refunded by the merchant")
	must(t, err)
	if _, err := r.svc.Escalate(ctx, other, ops, ""); posguard.ErrorCode(err) != posguard.ECONFLICT {
		t.Fatalf("escalating an accepted dispute: %v", err)
	}
}
