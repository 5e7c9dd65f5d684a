package postgres

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/internal/groupcommit/groupcommittest"
	"github.com/posguard/posguard/storetest"
)

// twoInstances opens two stores on one new schema: two instances, each
// with its own group committer.
func twoInstances(t *testing.T) [2]*Store {
	t.Helper()
	url := withSchema(t, testURL(t))
	var sts [2]*Store
	for i := range sts {
		s, err := Open(context.Background(), url, storetest.NewSealer())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		sts[i] = s
	}
	return sts
}

// TestQRBatchesOfTwoInstancesDoNotDeadlock runs two stores (two instances,
// each with its own committer) on one schema. Many writers on each update
// the same few orders of the same merchants in random order, while others
// create orders carrying a request's audit record, so that the batches of
// the two instances touch the same rows (and the audit head) in opposite
// orders. Before the batches took turns and appended their audit records
// last, PostgreSQL aborted some of them as deadlocked. Every write must
// succeed, every update must count once, and the audit chain must be whole.
func TestQRBatchesOfTwoInstancesDoNotDeadlock(t *testing.T) {
	ctx := context.Background()
	sts := twoInstances(t)
	merchants := []string{"M1", "M2"}
	const orders = 6
	var ids []int64
	for i := range orders {
		o, _, err := sts[0].CreateQROrder(ctx, &posguard.QROrder{MerchantID: merchants[i%2], OutOrderNo: fmt.Sprint("seed-", i),
			Mode: posguard.QRMicropay, Channel: "wx", ChannelName: "wx", Amount: 100, State: posguard.QRPaying,
			Task: posguard.QRTaskQuery, NextAttempt: time.Now().Add(time.Hour)}, "PG")
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, o.ID)
	}
	const writers, rounds = 12, 25
	errs := make(chan error, 2*writers*rounds)
	var created [2]int
	var auditors []*groupcommittest.Auditor
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := make(chan struct{})
	for inst, s := range sts {
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				r := rand.New(rand.NewPCG(uint64(inst), uint64(w)))
				for n := range rounds {
					if w%4 == 0 {
						a := &groupcommittest.Auditor{Name: fmt.Sprintf("i%d-w%d-%d", inst, w, n)}
						_, _, err := s.CreateQROrder(posguard.WithTxAuditor(ctx, a), &posguard.QROrder{MerchantID: merchants[n%2],
							OutOrderNo: a.Name, Mode: posguard.QRMicropay, Channel: "wx", ChannelName: "wx", Amount: 1,
							State: posguard.QRPaying, Task: posguard.QRTaskQuery, NextAttempt: time.Now().Add(time.Hour)}, "PG")
						if err != nil {
							errs <- fmt.Errorf("instance %d create: %w", inst, err)
							continue
						}
						mu.Lock()
						created[inst]++
						auditors = append(auditors, a)
						mu.Unlock()
						continue
					}
					id := ids[r.IntN(len(ids))]
					why := fmt.Sprint("round ", n)
					if _, err := s.UpdateQROrder(ctx, posguard.QROrderUpdate{ID: id, From: posguard.QRPaying, Attempted: true,
						NextAttempt: time.Now().Add(time.Hour), LastError: &why}); err != nil {
						errs <- fmt.Errorf("instance %d update %d: %w", inst, id, err)
					}
				}
			}()
		}
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		return
	}
	// Every update counted once: attempts add up to the updates made.
	var attempts int
	for _, id := range ids {
		o, err := sts[1].QROrder(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		attempts += o.Attempts
	}
	updaters := writers - (writers+3)/4
	if want := 2 * updaters * rounds; attempts != want {
		t.Errorf("attempts over the orders = %d, want %d (one per update)", attempts, want)
	}
	// One audit record per created order, chained without a gap.
	recs, err := sts[0].AuditChain(ctx, 0, 10000)
	if err != nil {
		t.Fatal(err)
	}
	if want := created[0] + created[1]; len(recs) != want || want != 2*((writers+3)/4)*rounds {
		t.Fatalf("audit records = %d, created = %d, want %d", len(recs), want, 2*((writers+3)/4)*rounds)
	}
	prev := ""
	for i, r := range recs {
		if r.ID != int64(i+1) || r.PrevHash != prev || posguard.AuditHash(prev, r) != r.Hash {
			t.Fatalf("audit record %d (id %d) does not chain", i, r.ID)
		}
		prev = r.Hash
	}
	for _, a := range auditors {
		if done := a.Committed(); len(done) != 1 || done[0].Object != a.Name {
			t.Errorf("request %s: committed records %v, want its one", a.Name, done)
		}
	}
}
