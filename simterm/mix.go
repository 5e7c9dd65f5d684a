package simterm

import (
	"math/rand/v2"

	"github.com/posguard/posguard"
)

// Mix is the share of each kind of transaction a fleet sends, as fractions
// of all financial transactions; the rest are sales with good cards. The
// zero Mix means DefaultMix.
type Mix struct {
	Inquiry  float64 // balance inquiries
	Void     float64 // voids of this terminal's recent approved sales
	Refund   float64 // refunds of approved sales (same day: the host answers 12)
	WrongPIN float64 // sales with a good card and a wrong PIN
	BadCard  float64 // sales with a lost, stolen, frozen, dormant, expired or low-balance card
	// PreAuth is the share of the pre-authorization family: a new
	// pre-authorization, or the completion (up to 115 %) or cancel of one
	// this terminal holds open.
	PreAuth float64
}

// DefaultMix is 8% inquiries, 5% voids, 3% refunds, 3% wrong PINs, 5%
// bad cards and 4% pre-authorizations, completions and cancels; 72% good
// sales.
var DefaultMix = Mix{Inquiry: 0.08, Void: 0.05, Refund: 0.03, WrongPIN: 0.03, BadCard: 0.05, PreAuth: 0.04}

// validate checks that the fractions are non-negative and sum to at most 1.
func (m Mix) validate() error {
	sum := 0.0
	for _, v := range []float64{m.Inquiry, m.Void, m.Refund, m.WrongPIN, m.BadCard, m.PreAuth} {
		if v < 0 || v > 1 {
			return posguard.Errorf(posguard.EINVALID, "simterm: mix fraction %v out of [0, 1]", v)
		}
		sum += v
	}
	if sum > 1+1e-9 {
		return posguard.Errorf(posguard.EINVALID, "simterm: mix fractions sum to %.3f, over 1", sum)
	}
	return nil
}

// op is one kind of fleet transaction.
type op int

const (
	opSale op = iota
	opInquiry
	opVoid
	opRefund
	opWrongPIN
	opBadCard
	opPreAuth
)

// pick draws an operation according to the mix.
func (m Mix) pick(rng *rand.Rand) op {
	x := rng.Float64()
	for _, c := range []struct {
		share float64
		op    op
	}{{m.Inquiry, opInquiry}, {m.Void, opVoid}, {m.Refund, opRefund}, {m.WrongPIN, opWrongPIN}, {m.BadCard, opBadCard}, {m.PreAuth, opPreAuth}} {
		if x < c.share {
			return c.op
		}
		x -= c.share
	}
	return opSale
}

// Card pools of a fleet, built from the world's cards.
type cardPools struct {
	good []posguard.Card // active, not expired, healthy balance
	bad  []posguard.Card // any other status, expired, or low balance
}

// lowBalance is the balance (fen) under which a card is "low balance".
const lowBalance = 10000

// healthyBalance is the balance (fen) from which a card takes part in
// ordinary sales.
const healthyBalance = 100000

// poolCards sorts cards into good and bad ones; yymm is the current month
// (cards with an expiry before it are expired).
func poolCards(cards []posguard.Card, yymm string) cardPools {
	var p cardPools
	for _, c := range cards {
		expired := len(c.Expiry) == 4 && c.Expiry < yymm
		switch {
		case c.Status == posguard.CardActive && !expired && c.Balance >= healthyBalance:
			p.good = append(p.good, c)
		case c.Status != posguard.CardActive || expired || c.Balance < lowBalance:
			p.bad = append(p.bad, c)
		}
	}
	return p
}

// saleAmount draws an everyday amount in fen: mostly 10–200 yuan, some up
// to 2,000 and a few up to 10,000, capped at limit (0 = none) and at a
// tenth of the card's balance so good cards last.
func saleAmount(rng *rand.Rand, balance, limit posguard.Amount) posguard.Amount {
	var a int64
	switch x := rng.Float64(); {
	case x < 0.70:
		a = 1000 + rng.Int64N(19000)
	case x < 0.95:
		a = 20000 + rng.Int64N(180000)
	default:
		a = 200000 + rng.Int64N(800000)
	}
	amt := posguard.Amount(a)
	if balance > 0 && amt > balance/10 {
		amt = max(balance/10, 100)
	}
	if limit > 0 && amt > limit {
		amt = limit
	}
	return amt
}

// wrongPIN returns a PIN that differs from pin in its last digit.
func wrongPIN(pin string) string {
	if pin == "" {
		return "000000"
	}
	b := []byte(pin)
	last := b[len(b)-1]
	if last < '0' || last > '9' {
		last = '0'
	}
	b[len(b)-1] = '0' + (last-'0'+1)%10
	return string(b)
}

// newRand returns a deterministic generator for seed.
func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed^0x5EED)) }
