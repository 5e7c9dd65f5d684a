package simterm

import (
	"fmt"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/iso8583"
)

// Result is what a terminal knows after a transaction: the request's
// identity and the host's answer.
type Result struct {
	Type       posguard.TxnType
	MTI        string // MTI of the answer ("" when none came)
	Code       string // field 39 ("" when no answer came)
	RRN        string // 37
	AuthCode   string // 38
	STAN       string // 11 of the request
	Batch      string // 60.2 of the request
	LocalDate  string // 13 MMDD (host)
	LocalTime  string // 12 hhmmss (host)
	SettleDate string // 15 MMDD
	Amount     posguard.Amount
	Balance    string // 54 (balance inquiry)
	CardOrg    string // 63.1 of the answer (CUP, VIS…)
	Totals     string // 48 of a 0510
	// Balanced reports a settlement the host found balanced (field 48
	// result digits 1).
	Balanced bool
	Elapsed  time.Duration
	// TimedOut: no answer came within the terminal timeout.
	TimedOut bool
	// MACFailed: the approval's MAC did not verify; the terminal reverses
	// with A0 and signs on again.
	MACFailed bool
	// ResignOn: the host asked the terminal to sign on again (77 with
	// processing requirement 3, or A0).
	ResignOn bool
	// ReversalPending: the terminal holds a reversal record for this
	// transaction (it sends the 0400 before its next transaction).
	ReversalPending bool

	card Card // to void or refund it later (memory only)
}

// Approved reports whether the host approved the transaction and the
// terminal trusts the approval.
func (r *Result) Approved() bool {
	return r != nil && posguard.ApprovedCode(r.Code) && !r.MACFailed && !r.ReversalPending
}

// Card returns the card the transaction was made with (its PAN masks
// itself when printed).
func (r *Result) Card() Card { return r.card }

// fill copies the answer's fields into r.
func (r *Result) fill(a *answer) {
	m := a.msg
	r.MTI = m.MTI
	r.Code = m.Get(39)
	r.RRN = m.Get(37)
	r.AuthCode = m.Get(38)
	r.LocalDate = m.Get(13)
	r.LocalTime = m.Get(12)
	r.SettleDate = m.Get(15)
	r.Balance = m.Get(54)
	r.CardOrg = cardOrg(m)
	r.Totals = m.Get(48)
	r.Elapsed = a.elapsed
	r.ResignOn = a.resign || r.Code == "A0"
	r.MACFailed = !a.macOK
}

// cardOrg returns the three characters of field 63.1, or "".
func cardOrg(m *iso8583.Message) string {
	s := m.Get(63)
	if len(s) < 3 {
		return s
	}
	return s[:3]
}

// domestic reports whether the card organisation of an answer is domestic
// (CUP). posguard's cards are all domestic (spec §6), so an answer without
// field 63 counts as domestic too.
func domestic(org string) bool { return org == "" || org == "CUP" }

// DeclineError is a management message (sign-on, sign-off, echo,
// settlement) answered with a code other than 00.
type DeclineError struct {
	Type posguard.TxnType
	Code string // field 39
}

// Error returns e.g. "sign_on answered 97".
func (e *DeclineError) Error() string { return fmt.Sprintf("%s answered %s", e.Type, e.Code) }

// Option changes how a sale is made.
type Option func(*options)

type options struct {
	operator       string
	failAfterApprv bool
}

// WithOperator sets field 63.1 (operator number) of this transaction.
func WithOperator(op string) Option { return func(o *options) { o.operator = op } }

// FailAfterApproval makes the terminal refuse an approval it cannot
// complete (an IC card declining after online approval): it keeps the
// reversal record with reason 06 instead of recording the sale.
func FailAfterApproval() Option { return func(o *options) { o.failAfterApprv = true } }
