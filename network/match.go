package network

import (
	"strings"

	"github.com/posguard/posguard/iso8583"
)

// matchKey identifies a request and its answer on the link: MTI class,
// STAN (11), transmission date-time (7), acquirer id (32) and terminal id
// (41), in a normal form (numbers zero-padded to their width, the terminal
// id without pad spaces).
type matchKey struct {
	class, stan, time, acquirer, terminal string
}

// mtiClass returns the first three digits of an MTI with the response bit
// of the third digit cleared, so that a request and its answer share a
// class: 0200 and 0210 give "020", 0420, 0421 and 0430 give "042".
func mtiClass(mti string) string {
	if len(mti) < 3 {
		return mti
	}
	d := mti[2]
	if d >= '0' && d <= '9' {
		d = '0' + (d-'0')&^1
	}
	return mti[:2] + string(d)
}

// isResponseMTI reports whether mti is an answer (third digit odd: 0110,
// 0210, 0230, 0430, 0810).
func isResponseMTI(mti string) bool {
	return len(mti) == 4 && mti[2] >= '0' && mti[2] <= '9' && (mti[2]-'0')%2 == 1
}

// keyOf returns the matching key of message m (a request, or an answer
// whose MTI is a response MTI).
func keyOf(m *iso8583.Message) matchKey {
	return matchKey{
		class:    mtiClass(m.MTI),
		stan:     padLeft(m.Get(fSTAN), 6),
		time:     padLeft(m.Get(fTransmission), 10),
		acquirer: strings.TrimLeft(m.Get(fAcquirer), "0"),
		terminal: trimPad(m.Get(fTerminalID)),
	}
}

// matchable reports whether a (possibly partial) answer holds enough to be
// matched: a response MTI, 11 and 7.
func matchable(m *iso8583.Message) bool {
	return m != nil && isResponseMTI(m.MTI) && m.Has(fSTAN) && m.Has(fTransmission)
}

func padLeft(s string, n int) string {
	if len(s) >= n {
		return s
	}
	return strings.Repeat("0", n-len(s)) + s
}
