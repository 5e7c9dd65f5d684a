package switching

import (
	"context"
	"time"

	"github.com/posguard/posguard"
)

// HandleTerminal answers one decoded terminal request. It implements
// posguard.TerminalHandler and never returns nil.
func (s *Switch) HandleTerminal(ctx context.Context, req *posguard.TerminalRequest) *posguard.TerminalResponse {
	start := time.Now()
	if req.ReceivedAt.IsZero() {
		req.ReceivedAt = s.Now()
	}
	if s.cfg.Shared && req.Type == posguard.TxnSignOn {
		// The new batch continues the stored one: the terminal may have
		// settled on another instance since this one cached it.
		s.ForgetTerminal(req.TerminalID)
	}
	resp := s.handle(ctx, req)
	if s.cfg.Shared && staleGate(resp.Reason) && s.reloadTerminal(ctx, req.TerminalID) {
		// The terminal signed on or settled on another instance: judged
		// again on its stored state.
		resp = s.handle(ctx, req)
	}
	s.sign(req, resp)
	if resp.Answer.LocalTime == "" {
		lt := req.ReceivedAt.In(s.cfg.Location)
		resp.Answer.LocalTime = lt.Format("150405")
		resp.Answer.LocalDate = lt.Format("0102")
	}
	if s.Observer != nil {
		s.Observer.Answered(req, resp, time.Since(start))
	}
	return resp
}

func (s *Switch) handle(ctx context.Context, req *posguard.TerminalRequest) *posguard.TerminalResponse {
	// Gate: terminal known and enabled (97), sign-on included.
	t, err := s.terminal(ctx, req.TerminalID)
	if err != nil {
		if posguard.ErrorCode(err) == posguard.ENOTFOUND {
			return reject(nil, posguard.ReasonTerminalUnknown)
		}
		s.log.Error("terminal lookup", "terminal", req.TerminalID, "err", err)
		return reject(nil, posguard.ReasonHostFault)
	}
	if t.Status != posguard.TerminalActive {
		return reject(t, posguard.ReasonTerminalDisabled)
	}
	// Field 42 of a sign-on, sign-off or settlement must be the terminal's
	// merchant (03, nothing changes).
	switch req.Type {
	case posguard.TxnSignOn, posguard.TxnSignOff, posguard.TxnSettlement:
		if req.MerchantID != t.MerchantID {
			return reject(t, posguard.ReasonMerchantUnknown)
		}
	}
	switch req.Type {
	case posguard.TxnSignOn:
		return s.signOn(ctx, t, req)
	case posguard.TxnEcho:
		return &posguard.TerminalResponse{Answer: answerFor(posguard.ReasonApproved), Reason: posguard.ReasonApproved, Terminal: t}
	}

	// Gate: MAC (A0). Mandatory on financial messages, sign-off and
	// settlement; checked on a batch upload when present.
	// A terminal that never signed on has no MAC key: it is told to sign on
	// (77) rather than that its MAC is wrong.
	if len(t.Keys.MAK) == 0 {
		r := reject(t, posguard.ReasonNotSignedOn)
		r.ResignOn = true
		return r
	}
	if req.HasMAC {
		kt, ok, ended := s.keyGuard.verify(t, req.MACData, req.MAC, s.Now())
		if ended {
			// The terminal uses its current keys: the replaced ones are
			// valid no more, after a restart neither.
			if err := s.store.ForgetReplacedKeys(ctx, t.ID); err != nil {
				s.log.Error("forget replaced keys", "terminal", t.ID, "err", err)
			}
		}
		if !ok {
			r := reject(t, posguard.ReasonMACInvalid)
			r.ResignOn = true
			return r
		}
		t = kt
	} else if req.Type != posguard.TxnBatchUpload {
		r := reject(t, posguard.ReasonMACMissing)
		r.ResignOn = true
		return r
	}
	if req.Type == posguard.TxnSignOff {
		return s.signOff(ctx, t, req)
	}

	// A retransmitted settlement is answered from the journal before the
	// batch check: its batch has rolled over already.
	if req.Type == posguard.TxnSettlement {
		if prev, err := s.store.ByKey(ctx, keyOf(req)); err == nil {
			resp := s.replay(ctx, t, req, prev)
			if posguard.ApprovedCode(resp.Answer.Code) && req.Batch == t.Batch {
				// Settled, but the roll-over was not stored: do it now.
				if r := s.rollBatch(ctx, t); r != nil {
					return r
				}
			}
			return resp
		}
	}

	// A batch upload may name the batch its settlement just closed.
	if req.Type == posguard.TxnBatchUpload && t.SignedOn && uploadBatchOK(t, req.Batch) {
		return s.batchUpload(ctx, t, req)
	}
	// Gate: signed on with the open batch (77).
	if !t.SignedOn {
		r := reject(t, posguard.ReasonNotSignedOn)
		r.ResignOn = true
		return r
	}
	if req.Batch != t.Batch {
		r := reject(t, posguard.ReasonBatchMismatch)
		r.ResignOn = true
		return r
	}

	if req.Type == posguard.TxnSettlement {
		return s.settle(ctx, t, req)
	}
	return s.financial(ctx, t, req)
}

// staleGate reports whether reason is a gate a stale cached terminal can
// fail (its keys, sign-on or batch changed on another instance). Those gates
// journal nothing, so the request may be judged again.
func staleGate(reason string) bool {
	switch reason {
	case posguard.ReasonMACInvalid, posguard.ReasonNotSignedOn, posguard.ReasonBatchMismatch:
		return true
	}
	return false
}

// reloadTerminal reads terminal id from the store and reports whether it
// differs from the cached one in what the gates check (the cache is then
// replaced).
func (s *Switch) reloadTerminal(ctx context.Context, id string) bool {
	v, ok := s.terminals.Load(id)
	if !ok {
		return false
	}
	old := v.(*posguard.Terminal)
	t, err := s.store.Terminal(ctx, id)
	if err != nil {
		return false
	}
	if t.Batch == old.Batch && t.SignedOn == old.SignedOn && t.SignedOnAt.Equal(old.SignedOnAt) &&
		string(t.Keys.MAK) == string(old.Keys.MAK) && t.Status == old.Status {
		return false
	}
	s.restoreReplaced(ctx, id)
	s.terminals.Store(id, t)
	return true
}

// reject is an answer for a gate that failed before anything was journaled:
// the code is the reason's (posguard.ReasonCode).
func reject(t *posguard.Terminal, reason string) *posguard.TerminalResponse {
	return &posguard.TerminalResponse{Answer: answerFor(reason), Reason: reason, Terminal: t}
}

// answerFor is a bare answer carrying reason's field 39 code. The switch never
// writes a code of its own: every code it answers comes from the reason
// table in the root package (or from the issuer).
func answerFor(reason string) posguard.Answer {
	return posguard.Answer{Code: posguard.ReasonCode(reason)}
}

func keyOf(req *posguard.TerminalRequest) posguard.TxnKey {
	return posguard.TxnKey{TerminalID: req.TerminalID, Batch: req.Batch, STAN: req.STAN, MTI: req.MTI}
}

// merchantReason maps a non-active merchant status to its reason.
func merchantReason(st posguard.MerchantStatus) string {
	switch st {
	case posguard.MerchantPendingKYC:
		return posguard.ReasonMerchantKYC
	case posguard.MerchantFrozen:
		return posguard.ReasonMerchantFrozen
	default:
		return posguard.ReasonMerchantClosed
	}
}
