// Package simbank is a simulated settlement bank for payouts, beside the
// other simulators (simnet, simwallet, simterm): it implements payout.Bank
// in memory, so the demo, the tests and the host without a real bank link
// exercise the real payout runner. Each account's behaviour follows its
// status; tests inject timeouts, lost answers and returns (退汇).
package simbank

import (
	"context"
	"fmt"
	"sync"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/payout"
)

// Bank is a simulated settlement bank. Each account's behaviour follows
// its status (ok pays; frozen, closed and name_mismatch refuse), set from
// the world's settlement accounts; a name other than the registered one is
// a name mismatch. Tests inject timeouts and returns. It is safe for
// concurrent use.
type Bank struct {
	mu       sync.Mutex
	accounts map[string]simAccount    // by number
	results  map[string]payout.Result // by payout ID: the dedup memory
	credits  map[string]int           // payout ID → times money was credited
	timeouts int                      // next submits that time out before reaching the bank
	lost     int                      // next submits carried out whose answer is lost
	returns  []payout.Return
	seq      int
	orders   map[string]payout.Order // payout ID → the first order received
	returned map[string]string       // payout ID → reason of its return
}

type simAccount struct {
	name, status string
}

// New returns a bank knowing the merchants' settlement accounts.
func New(ms []*posguard.Merchant) *Bank {
	b := &Bank{accounts: map[string]simAccount{}, results: map[string]payout.Result{}, credits: map[string]int{},
		orders: map[string]payout.Order{}, returned: map[string]string{}}
	for _, m := range ms {
		b.SetAccount(m.Account)
	}
	return b
}

// SetAccount registers or changes an account at the bank.
func (b *Bank) SetAccount(a posguard.SettlementAccount) {
	b.mu.Lock()
	defer b.mu.Unlock()
	st := a.Status
	if st == "" {
		st = "ok"
	}
	b.accounts[a.Number] = simAccount{name: a.Name, status: st}
}

// TimeoutNext makes the next n submits time out without reaching the bank.
func (b *Bank) TimeoutNext(n int) { b.mu.Lock(); b.timeouts += n; b.mu.Unlock() }

// LoseAnswerNext makes the next n submits be carried out but their answers
// lost (the caller sees ETIMEOUT).
func (b *Bank) LoseAnswerNext(n int) { b.mu.Lock(); b.lost += n; b.mu.Unlock() }

// ReturnLater schedules a return (退汇) of an accepted payout, reported by
// the next Returns call.
func (b *Bank) ReturnLater(payoutID, reason string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if r, ok := b.results[payoutID]; !ok || !r.Accepted {
		return posguard.Errorf(posguard.EINVALID, "simbank: payout %s was not accepted", payoutID)
	}
	b.returns = append(b.returns, payout.Return{PayoutID: payoutID, Reason: reason})
	b.returned[payoutID] = reason
	return nil
}

// Credits returns how many times payout id was credited to an account.
func (b *Bank) Credits(id string) int { b.mu.Lock(); defer b.mu.Unlock(); return b.credits[id] }

// Submit implements payout.Bank.
func (b *Bank) Submit(ctx context.Context, o payout.Order) (payout.Result, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.timeouts > 0 {
		b.timeouts--
		return payout.Result{}, posguard.Errorf(posguard.ETIMEOUT, "simbank: no answer for payout %s", o.PayoutID)
	}
	r, seen := b.results[o.PayoutID]
	if !seen {
		r = b.decide(o)
		b.results[o.PayoutID] = r
		b.orders[o.PayoutID] = o
		if r.Accepted {
			b.credits[o.PayoutID]++
		}
	}
	if b.lost > 0 {
		b.lost--
		return payout.Result{}, posguard.Errorf(posguard.ETIMEOUT, "simbank: answer for payout %s lost", o.PayoutID)
	}
	return r, nil
}

func (b *Bank) decide(o payout.Order) payout.Result {
	a, ok := b.accounts[o.Account.Number]
	if !ok {
		return payout.Result{Reason: posguard.ReasonAccountClosed}
	}
	if reason := payout.ReasonForStatus(a.status); reason != "" {
		return payout.Result{Reason: reason}
	}
	if a.name != o.Account.Name {
		return payout.Result{Reason: posguard.ReasonNameMismatch}
	}
	b.seq++
	return payout.Result{Accepted: true, BankRef: fmt.Sprintf("SIM%08d", b.seq)}
}

// Verify implements payout.Bank.
func (b *Bank) Verify(ctx context.Context, acct posguard.SettlementAccount) (string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	a, ok := b.accounts[acct.Number]
	switch {
	case !ok:
		return "closed", nil
	case a.status != "ok":
		return a.status, nil
	case a.name != acct.Name:
		return "name_mismatch", nil
	}
	return "ok", nil
}

// Returns implements payout.Bank.
func (b *Bank) Returns(ctx context.Context) ([]payout.Return, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	r := b.returns
	b.returns = nil
	return r, nil
}

var _ payout.Bank = (*Bank)(nil)
