package simnet

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/posguard/posguard"
)

// TestMoneyInvariantUnderFaults plays a host against a faulty network:
// every sale that does not come back approved is reversed until the
// reversal is acknowledged. Afterwards the money each card lost must equal
// the approvals the host saw — whatever the faults did in between.
func TestMoneyInvariantUnderFaults(t *testing.T) {
	r := newRig(t, "latency=0ms-2ms,timeout=0.1,timeout_no_debit=0.1,drop_after_approve=0.1,garbage=0.1,disconnect=0.05")
	pans := []string{panOK, panOther}
	var mu sync.Mutex
	approved := map[string]posguard.Amount{}
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 30; i++ {
				pan := pans[(w+i)%2]
				sale := r.sale(pan, posguard.Amount(100+i))
				ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
				resp, err := r.client.Send(ctx, sale)
				cancel()
				if err == nil && resp.Code == "00" {
					mu.Lock()
					approved[pan] += sale.Amount
					mu.Unlock()
					continue
				}
				if err == nil {
					continue // declined: nothing to undo
				}
				if !r.reverseUntilAcknowledged(sale) {
					t.Errorf("reversal of %s never acknowledged", sale.STAN)
					return
				}
			}
		}(w)
	}
	wg.Wait()
	for _, pan := range pans {
		if got := r.taken(pan); got != approved[pan] {
			t.Errorf("%s: issuer took %d, host approved %d", posguard.MaskPAN(pan), got, approved[pan])
		}
	}
	st := r.net.Stats()
	if st.Faults[FaultTimeout] == 0 || st.Faults[FaultDropAfterApprove] == 0 || st.ReversalsApplied == 0 {
		t.Fatalf("the run injected too little to mean anything: %+v", st)
	}
}

// reverseUntilAcknowledged sends the reversal of orig, then repeats (0421)
// until it is answered.
func (r *rig) reverseUntilAcknowledged(orig *posguard.UpstreamRequest) bool {
	rev := r.reversalOf(orig)
	for attempt := 0; attempt < 100; attempt++ {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := r.client.Ready(ctx); err != nil {
			cancel()
			return false
		}
		cancel()
		ctx, cancel = context.WithTimeout(context.Background(), 200*time.Millisecond)
		resp, err := r.client.Send(ctx, rev)
		cancel()
		if err == nil && resp.Code == "00" {
			return true
		}
		rev.MTI = "0421"
	}
	return false
}
