package switching

import (
	"github.com/posguard/posguard"
	"github.com/posguard/posguard/keys"
)

// The switch is the one side that handles a terminal's MAC: it verifies
// the MAC of each request (handle, with keyGuard's older keys during a
// sign-on's grace period) and gives each answer that needs one its signing
// function (sign). It holds the keys and their state (sign-on, grace,
// which key a request verified under) and knows the outcome that decides
// whether an answer is MACed; the gateway knows only the bytes a MAC
// covers, and hands them over.

// macedMTIs are the requests whose answers carry a MAC: the financial ones
// (not network management, not a settlement or batch upload).
var macedMTIs = map[string]bool{"0100": true, "0200": true, "0220": true, "0400": true}

// sign sets resp.Sign when the answer carries a MAC: a financial answer to
// a terminal with a MAK, under the key its request verified under
// (resp.Terminal), except an answer whose code says the keys themselves
// are in doubt (the MAC gate's) or the terminal is not registered.
func (s *Switch) sign(req *posguard.TerminalRequest, resp *posguard.TerminalResponse) {
	t := resp.Terminal
	if t == nil || len(t.Keys.MAK) == 0 || !macedMTIs[req.MTI] {
		return
	}
	switch resp.Answer.Code {
	case posguard.ReasonCode(posguard.ReasonMACInvalid), posguard.ReasonCode(posguard.ReasonTerminalUnknown):
		return
	}
	alg := t.MAC
	if alg == "" {
		alg = posguard.MACCupsECB
	}
	mak := t.Keys.MAK
	resp.Sign = func(data []byte) ([]byte, error) { return keys.MAC(alg, mak, data) }
}
