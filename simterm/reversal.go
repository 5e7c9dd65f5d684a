package simterm

import (
	"github.com/posguard/posguard"
	"github.com/posguard/posguard/iso8583"
)

// Reasons a terminal gives in field 39 of a 0400.
const (
	ReasonNoAnswer = "98" // no answer within the terminal timeout, or the host answered 98
	ReasonBadMAC   = "A0" // the answer's MAC failed
	ReasonOther    = "06" // the terminal could not accept the answer (e.g. IC declined after approval)
)

// pendingReversal is the terminal's reversal record: written before a
// must-reverse request is sent, cleared once the terminal trusts an answer
// or a 0400 is acknowledged with 00.
type pendingReversal struct {
	orig   *iso8583.Message // the original request (without 52, 35, 36, 64)
	typ    posguard.TxnType
	reason string
	tries  int
	// authCode is field 38 of an answer the terminal could not trust;
	// it replaces the original's 38 in the 0400.
	authCode string
}

// PendingReversal describes a terminal's reversal record.
type PendingReversal struct {
	STAN   string // field 11 of the original (and of the 0400)
	Type   posguard.TxnType
	Amount posguard.Amount
	Reason string // field 39 the 0400 will carry
	Tries  int    // 0400s sent so far
}

// newPendingReversal records the original request m of type typ, with the
// default reason 98 (no answer yet).
func newPendingReversal(m *iso8583.Message, typ posguard.TxnType) *pendingReversal {
	c := m.Clone()
	// A reversal carries no PIN or track data; the terminal keeps neither.
	for _, n := range []int{26, 35, 36, 52, 53, 64} {
		c.Unset(n)
	}
	return &pendingReversal{orig: c, typ: typ, reason: ReasonNoAnswer}
}

// message builds the 0400: 2, 3, 4, 11, 14, 22, 23, 25, 38, 41, 42, 49,
// 55 and 60 as in the original (38 from the untrusted answer when it had
// one), 39 = the reason. Field 64 is added by the
// sender.
func (p *pendingReversal) message() *iso8583.Message {
	m := iso8583.NewMessage("0400")
	for _, n := range []int{2, 3, 4, 11, 14, 22, 23, 25, 38, 41, 42, 49, 55, 60} {
		if p.orig.Has(n) {
			m.Set(n, p.orig.Get(n))
		}
	}
	if p.authCode != "" {
		m.Set(38, p.authCode)
	}
	m.Set(39, p.reason)
	return m
}

func (p *pendingReversal) describe() PendingReversal {
	return PendingReversal{
		STAN:   p.orig.Get(11),
		Type:   p.typ,
		Amount: parseAmount(p.orig.Get(4)),
		Reason: p.reason,
		Tries:  p.tries,
	}
}

// parseAmount reads an n12 amount; malformed digits give 0.
func parseAmount(s string) posguard.Amount {
	var v int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0
		}
		v = v*10 + int64(c-'0')
	}
	return posguard.Amount(v)
}
