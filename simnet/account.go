package simnet

import (
	"sort"
	"time"

	"github.com/posguard/posguard"
)

// Posting kinds.
const (
	KindSale       = "sale"
	KindVoid       = "void"
	KindRefund     = "refund"
	KindPreauth    = "preauth"
	KindCompletion = "completion"
	KindAdjustment = "adjustment" // credit adjustment (贷记调整)
)

// Posting states. A pre-auth is shown in its own states: held (its hold
// stands), released (cancelled, reversed or expired) or completed (a
// completion took it).
const (
	StatePosted    = "posted"
	StateReversed  = "reversed"
	StateHeld      = "held"
	StateReleased  = "released"
	StateCompleted = "completed"
)

// viewState is the state the admin API shows for p.
func (p *posting) viewState() string {
	if p.kind != KindPreauth {
		return p.state
	}
	switch {
	case p.holding:
		return StateHeld
	case p.state != StatePosted || p.voidedBy != nil:
		return StateReleased
	}
	return StateCompleted
}

// account is one card account at its issuer.
type account struct {
	card     posguard.Card
	initial  posguard.Amount
	balance  posguard.Amount
	held     posguard.Amount // open pre-authorization holds
	postings []*posting
}

// available is what a new authorization may take.
func (a *account) available() posguard.Amount { return a.balance - a.held }

// posting is one authorization that moved (or held) money.
type posting struct {
	key    origKey // the request that made it: MTI, STAN, transmission time
	acct   *account
	stan   string
	rrn    string
	amount posguard.Amount
	kind   string
	state  string

	orig     *posting // the posting a void, refund or completion refers to
	voidedBy *posting // the posted void of this sale, completion or preauth
	refunded posguard.Amount
	holding  bool // a preauth whose funds are still held

	// What the clearing file needs (set by record).
	terminal, merchant, acquirer string
	transmitted                  string // field 7 as received
	mcc, entryMode, authCode     string
	origSTAN, origTime           string // field 90 of the request, if any
	approvedAt                   time.Time
}

// origKey identifies an upstream request the way field 90 names it.
type origKey struct {
	mti, stan, time string
}

// effect is the signed change a posted posting makes to its account's
// balance (holds aside).
func (p *posting) effect() posguard.Amount {
	switch p.kind {
	case KindSale, KindCompletion:
		return -p.amount
	case KindRefund, KindAdjustment:
		return p.amount
	case KindVoid:
		if p.orig != nil && p.orig.kind != KindPreauth {
			return p.amount
		}
	}
	return 0
}

// post records a new posted posting and applies it to the balance.
func (a *account) post(p *posting) {
	p.acct = a
	p.state = StatePosted
	a.postings = append(a.postings, p)
	a.balance += p.effect()
}

// hold starts or ends a preauth's hold.
func (p *posting) setHold(on bool) {
	if p.holding == on {
		return
	}
	p.holding = on
	if on {
		p.acct.held += p.amount
	} else {
		p.acct.held -= p.amount
	}
}

// reverse undoes a posted posting (and what it did to others).
func (p *posting) reverse() {
	if p.state != StatePosted {
		return
	}
	p.state = StateReversed
	a := p.acct
	a.balance -= p.effect()
	switch p.kind {
	case KindPreauth:
		p.setHold(false)
	case KindCompletion:
		// The completion consumed its preauth's hold: give it back if the
		// preauth still stands.
		if p.orig != nil && p.orig.state == StatePosted && p.orig.voidedBy == nil {
			p.orig.setHold(true)
		}
	case KindVoid:
		if p.orig != nil {
			p.orig.voidedBy = nil
			if p.orig.kind == KindPreauth && p.orig.state == StatePosted {
				p.orig.setHold(true)
			}
			// A completion void undone: the completion takes its
			// pre-auth's hold again.
			if c := p.orig; c.kind == KindCompletion && c.state == StatePosted && c.orig != nil && c.orig.kind == KindPreauth {
				c.orig.setHold(false)
			}
		}
	case KindRefund:
		if p.orig != nil {
			p.orig.refunded -= p.amount
		}
	}
	// A sale or completion reversed after it was voided: the void goes
	// with it, so that the cardholder is not credited twice.
	if p.voidedBy != nil && p.voidedBy.state == StatePosted {
		p.voidedBy.state = StateReversed
		a.balance -= p.voidedBy.effect()
	}
}

// AccountView is an account as the admin API shows it: the PAN masked
// 6 + 4, the balance and the postings in the order they were made.
type AccountView struct {
	PAN     string          `json:"pan"`
	Balance posguard.Amount `json:"balance"`
	// Available is the balance less the holds of open pre-authorizations.
	Available posguard.Amount `json:"available"`
	// Held is the sum of those holds.
	Held     posguard.Amount `json:"held"`
	Postings []PostingView   `json:"postings"`
}

// PostingView is one posting in the admin API.
type PostingView struct {
	STAN   string          `json:"stan"`
	RRN    string          `json:"rrn"`
	Amount posguard.Amount `json:"amount"`
	Kind   string          `json:"kind"`  // sale | void | refund | preauth | completion | adjustment
	State  string          `json:"state"` // posted | reversed; a preauth: held | released | completed
	// Terminal, Merchant and Transmitted (field 7, MMDDhhmmss) identify the
	// request; ClearingDate is the business date of its approval (cut-off
	// 23:00 UTC+8), the date of the clearing file it appears in.
	Terminal     string `json:"terminal"`
	Merchant     string `json:"merchant"`
	Transmitted  string `json:"transmitted"`
	ClearingDate string `json:"clearing_date"`
}

// Accounts returns every account, sorted by PAN, with masked PANs.
func (n *Network) Accounts() []AccountView {
	n.mu.Lock()
	defer n.mu.Unlock()
	pans := make([]string, 0, len(n.accounts))
	for pan := range n.accounts {
		pans = append(pans, pan)
	}
	sort.Strings(pans)
	out := make([]AccountView, 0, len(pans))
	for _, pan := range pans {
		a := n.accounts[pan]
		v := AccountView{PAN: posguard.MaskPAN(pan), Balance: a.balance, Available: a.available(), Held: a.held,
			Postings: make([]PostingView, 0, len(a.postings))}
		for _, p := range a.postings {
			v.Postings = append(v.Postings, PostingView{STAN: p.stan, RRN: p.rrn, Amount: p.amount, Kind: p.kind, State: p.viewState(),
				Terminal: p.terminal, Merchant: p.merchant, Transmitted: p.transmitted, ClearingDate: n.clearingDate(p.approvedAt)})
		}
		out = append(out, v)
	}
	return out
}

// Taken returns what the issuer took from the card's holder: the initial
// balance minus the current one (0 for an unknown card). Holds of open
// pre-authorizations are not taken.
func (n *Network) Taken(pan string) posguard.Amount {
	n.mu.Lock()
	defer n.mu.Unlock()
	a := n.accounts[pan]
	if a == nil {
		return 0
	}
	return a.initial - a.balance
}

// Balance returns the card's current balance and whether the card is known.
func (n *Network) Balance(pan string) (posguard.Amount, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	a := n.accounts[pan]
	if a == nil {
		return 0, false
	}
	return a.balance, true
}

// Held returns the sum of the card's open pre-authorization holds (0 for
// an unknown card).
func (n *Network) Held(pan string) posguard.Amount {
	n.mu.Lock()
	defer n.mu.Unlock()
	if a := n.accounts[pan]; a != nil {
		return a.held
	}
	return 0
}
