package switching

import (
	"context"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/keys"
)

// signOn delivers fresh working keys under the terminal's master key and
// records them; the terminal's open batch is returned in 60.2. Terminals of
// merchants that are not active may still sign on (key management).
//
// A sign-on carries no MAC, so anyone knowing the terminal and merchant ids
// can send one: the keys the terminal used before stay valid until it uses
// the new ones or the grace period passes (keyGuard), and beyond
// SignOnsPerMinute sign-ons in a minute the answer is 96 and nothing
// changes. The answer leaves only once the new keys are stored.
func (s *Switch) signOn(ctx context.Context, t *posguard.Terminal, req *posguard.TerminalRequest) *posguard.TerminalResponse {
	now := s.Now()
	if !s.keyGuard.allowSignOn(t.ID, now, s.cfg.SignOnsPerMinute) {
		s.log.Warn("sign-on rate exceeded", "terminal", t.ID, "per_minute", s.cfg.SignOnsPerMinute)
		return reject(t, posguard.ReasonSignOnRate)
	}
	scheme := req.NetMgmt
	switch scheme {
	case posguard.KeyScheme001, posguard.KeyScheme003, posguard.KeyScheme004:
	default:
		scheme = t.KeyScheme
	}
	wk, err := keys.GenerateWorkingKeys(scheme)
	if err != nil {
		s.log.Error("generate working keys", "terminal", t.ID, "err", err)
		s.keyGuard.uncount(t.ID)
		return reject(t, posguard.ReasonHostFault)
	}
	// The gateway delivers the keys under the TMK (field 62): a TMK it could
	// not use is found before anything changes.
	if err := keys.CheckTMK(t.TMK); err != nil {
		s.log.Error("terminal master key", "terminal", t.ID, "err", err)
		s.keyGuard.uncount(t.ID)
		return reject(t, posguard.ReasonHostFault)
	}
	batch := t.Batch
	if batch == "" {
		batch = "000001"
	}
	if err := s.store.SaveSignOn(ctx, t.ID, wk, batch, now); err != nil {
		s.log.Error("save sign-on", "terminal", t.ID, "err", err)
		s.keyGuard.uncount(t.ID)
		return reject(t, posguard.ReasonHostFault)
	}
	s.keyGuard.signedOn(t, now, s.cfg.SignOnGrace)
	nt := *t
	nt.Keys = wk
	nt.KeyScheme = scheme
	nt.SignedOn = true
	nt.SignedOnAt = now
	nt.Batch = batch
	s.setTerminal(&nt)
	rrn, err := s.nextRRN(ctx, s.SettlementDate(now))
	if err != nil {
		s.log.Error("RRN block", "terminal", t.ID, "err", err)
		return reject(&nt, posguard.ReasonHostFault)
	}
	s.log.Info("terminal signed on", "terminal", t.ID, "scheme", scheme, "batch", batch)
	// The answer is MACed (if at all) under the new keys.
	return &posguard.TerminalResponse{
		Answer: posguard.Answer{
			Code:       posguard.ReasonCode(posguard.ReasonApproved),
			RRN:        rrn,
			AcquirerID: s.cfg.AcquirerID,
		},
		Reason:      posguard.ReasonApproved,
		Batch:       batch,
		DeliverKeys: true,
		Terminal:    &nt,
	}
}

// signOff marks the terminal signed off; its keys stay stored. The caller
// has verified the request's MAC.
func (s *Switch) signOff(ctx context.Context, t *posguard.Terminal, req *posguard.TerminalRequest) *posguard.TerminalResponse {
	if err := s.store.SetSignedOff(ctx, t.ID, s.Now()); err != nil {
		s.log.Error("sign-off", "terminal", t.ID, "err", err)
		return reject(t, posguard.ReasonHostFault)
	}
	nt := *s.current(t)
	nt.SignedOn = false
	s.setTerminal(&nt)
	return &posguard.TerminalResponse{Answer: answerFor(posguard.ReasonApproved), Reason: posguard.ReasonApproved, Terminal: &nt}
}
