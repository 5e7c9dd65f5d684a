package dispute

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/diagnosis"
	"github.com/posguard/posguard/ledger"
	"github.com/posguard/posguard/receipt"
)

// active is the states a response can still be sent from.
var active = []posguard.DisputeState{posguard.DisputeOpen, posguard.DisputeWaitingMerchant}

// AskMerchant asks the merchant of dispute id for more evidence (staff):
// the dispute and its case wait for the merchant, with text as the request.
func (s *Service) AskMerchant(ctx context.Context, id string, a Actor, text string) error {
	d, err := s.visible(ctx, id, a)
	if err != nil {
		return err
	}
	text = strings.TrimSpace(text)
	if text == "" || len(text) > MaxStatement {
		return posguard.Errorf(posguard.EINVALID, "text: say what the merchant should provide (at most %d bytes)", MaxStatement)
	}
	if err := s.Store.UpdateDispute(ctx, posguard.DisputeUpdate{ID: id, FromStates: []posguard.DisputeState{posguard.DisputeOpen},
		State: posguard.DisputeWaitingMerchant}); err != nil {
		return err
	}
	s.moveCase(ctx, d, posguard.CaseWaitingMerchant, a.Name, "请商户补充材料 asked the merchant: "+text)
	s.note(ctx, d.TxnID, fmt.Sprintf("%s %s: the merchant was asked for evidence", kindName(d.Kind), d.ID))
	s.audit(ctx, a, "dispute.ask_merchant", object(id), "ok", map[string]any{"text": text})
	return nil
}

// Respond sends the response to active dispute id before its deadline: the
// receipt's facts and text, every piece of evidence held, and the
// statement (stored as evidence first when not empty). The network's
// ruling decides it: won (a chargeback's amount is credited back to the
// merchant) or lost. ECONFLICT once decided or past the deadline;
// EUNAVAILABLE without a network link (nothing changes then).
func (s *Service) Respond(ctx context.Context, id string, a Actor, statement string) (*posguard.Dispute, error) {
	d, err := s.visible(ctx, id, a)
	if err != nil {
		return nil, err
	}
	if !d.State.Active() {
		return nil, posguard.Errorf(posguard.ECONFLICT, "dispute %s is %s already", id, d.State)
	}
	now := s.now()
	if !now.Before(d.DueAt) {
		return nil, posguard.Errorf(posguard.ECONFLICT, "dispute %s: its deadline %s has passed", id, stamp(d.DueAt))
	}
	resp, err := s.prepare(ctx, id, d, a, statement)
	if err != nil {
		return nil, err
	}
	dec, err := s.Network.Respond(ctx, resp)
	if err != nil {
		s.audit(ctx, a, "dispute.respond", object(id), posguard.ErrorCode(err), nil)
		return nil, err
	}
	r, _ := Lookup(d.ReasonCode)
	s.caseEntry(ctx, d, posguard.EntryStep, a.Name, fmt.Sprintf("已向卡组织回复 response sent with %d pieces of evidence (reason %s: %s)", len(resp.Evidence), r.Code, r.Name.EN))
	if dec.Decision == Pending {
		if err := s.Store.UpdateDispute(ctx, posguard.DisputeUpdate{ID: id, FromStates: active, State: posguard.DisputeResponded, RespondedAt: now}); err != nil {
			return nil, err
		}
		s.audit(ctx, a, "dispute.respond", object(id), "ok", map[string]any{"evidence": len(resp.Evidence), "decision": Pending})
		s.caseEntry(ctx, d, posguard.EntryStep, System.Name, "等待卡组织裁决 awaiting the network's ruling (it comes back in the dispute file)")
		s.note(ctx, d.TxnID, fmt.Sprintf("%s %s: response sent; awaiting the ruling", kindName(d.Kind), d.ID))
		return s.Store.Dispute(ctx, id)
	}
	if err := s.Store.UpdateDispute(ctx, posguard.DisputeUpdate{ID: id, FromStates: active, State: posguard.DisputeResponded, RespondedAt: now}); err != nil {
		return nil, err
	}
	s.audit(ctx, a, "dispute.respond", object(id), "ok", map[string]any{"evidence": len(resp.Evidence), "decision": dec.Decision, "reason": dec.Reason})
	if err := s.ruleAnswer(ctx, d.ID, posguard.DisputeResponded, dec.Decision == RulingWon, dec.Reason, now); err != nil {
		return nil, err
	}
	return s.Store.Dispute(ctx, id)
}

// ruleAnswer applies the ruling the network answered a response or an
// escalation with, the dispute being in state from. The network also
// writes that ruling into its dispute file, and the fetch loop (this
// instance's or another's) may apply it first, between the state change
// and here: rule then finds the dispute decided (ECONFLICT). The dispute
// stands as the network ruled, its money moved once (the credit's posting
// key), so the merchant's or operator's request succeeded all the same.
func (s *Service) ruleAnswer(ctx context.Context, id string, from posguard.DisputeState, won bool, why string, at time.Time) error {
	err := s.rule(ctx, id, from, won, why, at)
	if posguard.ErrorCode(err) != posguard.ECONFLICT {
		return err
	}
	d, gerr := s.Store.Dispute(ctx, id)
	if gerr == nil && (d.State == posguard.DisputeWon || d.State == posguard.DisputeLost) {
		return nil
	}
	return err
}

// rule applies the network's ruling to dispute id, which must be in state
// from (responded: the ruling on a response; arbitration: on an
// arbitration); ECONFLICT when it is not (ruled already). A won chargeback
// — by representment or by arbitration — credits the merchant back (one
// posting, by its key, at most once); a lost one leaves the chargeback
// standing (after arbitration for good). The case is resolved with the
// outcome, the transaction's history noted, and the ruling audited.
func (s *Service) rule(ctx context.Context, id string, from posguard.DisputeState, won bool, why string, at time.Time) error {
	d, err := s.Store.Dispute(ctx, id)
	if err != nil {
		return err
	}
	if d.State != from {
		return posguard.Errorf(posguard.ECONFLICT, "dispute %s is %s, not %s", id, d.State, from)
	}
	t, err := s.Store.ByID(ctx, d.TxnID)
	if err != nil {
		return err
	}
	arb := from == posguard.DisputeArbitration
	u := posguard.DisputeUpdate{ID: id, FromStates: []posguard.DisputeState{from}, State: posguard.DisputeLost,
		Outcome: posguard.MaskFreeText(why), LostBy: posguard.LostByNetwork, DecidedAt: at}
	if arb {
		u.LostBy = posguard.LostByArbitration
	}
	if won {
		u.State, u.LostBy = posguard.DisputeWon, ""
	}
	if won && d.Kind == posguard.DisputeChargeback {
		// The credit first: a failure leaves the dispute waiting, and the
		// next fetch applies the ruling again (the posting is idempotent).
		date := s.Calendar.SettlementDate(s.now())
		if _, err := s.Ledger.AppendPostings(ctx, []*posguard.Posting{ledger.Representment(d, t, date)}); err != nil {
			return err
		}
	}
	if err := s.Store.UpdateDispute(ctx, u); err != nil {
		return err
	}
	var outcome string
	switch {
	case arb && won:
		outcome = fmt.Sprintf("仲裁胜诉，%s 元已退回商户 / arbitration won: %s yuan credited back to the merchant (%s)", d.Amount, d.Amount, why)
	case arb:
		outcome = fmt.Sprintf("仲裁败诉，拒付最终成立，商户承担 %s 元 / arbitration lost: the chargeback of %s yuan stands for good (%s)", d.Amount, d.Amount, why)
	case won && d.Kind == posguard.DisputeChargeback:
		outcome = fmt.Sprintf("再请款成功，%s 元已退回商户 / representment won: %s yuan credited back to the merchant (%s)", d.Amount, d.Amount, why)
	case won:
		outcome = fmt.Sprintf("调单已回复并被接受 / retrieval request fulfilled (%s)", why)
	case d.Kind == posguard.DisputeChargeback:
		outcome = fmt.Sprintf("再请款失败，拒付成立，商户承担 %s 元；可在 %s 前申请仲裁 / representment lost: the chargeback of %s yuan stands; it may be escalated to arbitration by %s (%s)",
			d.Amount, stamp(at.Add(posguard.ArbitrationWindow)), d.Amount, stamp(at.Add(posguard.ArbitrationWindow)), why)
	default:
		outcome = fmt.Sprintf("调单回复未被接受 / retrieval response not accepted (%s)", why)
	}
	decision := RulingLost
	if won {
		decision = RulingWon
	}
	s.resolveCase(ctx, d, System.Name, outcome)
	stage := "response"
	if arb {
		stage = "arbitration"
	}
	if arb {
		s.note(ctx, d.TxnID, fmt.Sprintf("%s %s: arbitration ruled; %s", kindName(d.Kind), d.ID, decision))
	} else {
		s.note(ctx, d.TxnID, fmt.Sprintf("%s %s: response sent; %s", kindName(d.Kind), d.ID, decision))
	}
	s.audit(ctx, System, "dispute.decided", object(id), decision, map[string]any{"stage": stage, "outcome": outcome})
	return nil
}

// Escalatable reports whether d may go to arbitration at now: a chargeback
// whose representment the network ruled against (not accepted, not
// expired, not lost in arbitration already), within ArbitrationWindow of
// that ruling.
func Escalatable(d *posguard.Dispute, now time.Time) bool {
	return d.Kind == posguard.DisputeChargeback && d.State == posguard.DisputeLost && d.LostBy == posguard.LostByNetwork &&
		!d.DecidedAt.IsZero() && now.Before(d.DecidedAt.Add(posguard.ArbitrationWindow))
}

// Escalate takes chargeback id, whose representment the network ruled
// against, to arbitration (仲裁) within ArbitrationWindow: the statement
// (stored as evidence first when not empty) and every piece of evidence
// held are sent again as the arbitration case, and the network rules again
// (usually later: the ruling comes back in the dispute file). No money
// moves on escalation: the chargeback stays debited until arbitration is
// won. ECONFLICT when it may not be escalated; EUNAVAILABLE without a link.
func (s *Service) Escalate(ctx context.Context, id string, a Actor, statement string) (*posguard.Dispute, error) {
	d, err := s.visible(ctx, id, a)
	if err != nil {
		return nil, err
	}
	now := s.now()
	if !Escalatable(d, now) {
		return nil, posguard.Errorf(posguard.ECONFLICT, "dispute %s cannot go to arbitration: only a chargeback whose representment the network ruled against, within %d days of that ruling", id, int(posguard.ArbitrationWindow/(24*time.Hour)))
	}
	resp, err := s.prepare(ctx, id, d, a, statement)
	if err != nil {
		return nil, err
	}
	dec, err := s.Network.Arbitrate(ctx, resp)
	if err != nil {
		s.audit(ctx, a, "dispute.escalate", object(id), posguard.ErrorCode(err), nil)
		return nil, err
	}
	if err := s.Store.UpdateDispute(ctx, posguard.DisputeUpdate{ID: id, FromStates: []posguard.DisputeState{posguard.DisputeLost},
		State: posguard.DisputeArbitration, RespondedAt: now}); err != nil {
		return nil, err
	}
	s.audit(ctx, a, "dispute.escalate", object(id), "ok", map[string]any{"evidence": len(resp.Evidence), "decision": dec.Decision})
	s.moveCase(ctx, d, posguard.CaseInvestigating, a.Name, fmt.Sprintf("申请仲裁 escalated to arbitration with %d pieces of evidence", len(resp.Evidence)))
	s.note(ctx, d.TxnID, fmt.Sprintf("%s %s: escalated to arbitration by %s", kindName(d.Kind), d.ID, a.Name))
	if dec.Decision != Pending {
		if err := s.ruleAnswer(ctx, id, posguard.DisputeArbitration, dec.Decision == RulingWon, dec.Reason, now); err != nil {
			return nil, err
		}
	}
	return s.Store.Dispute(ctx, id)
}

// applyRulings applies the rulings a dispute file line carries to d (a
// ruling already applied is skipped): the ruling on the response when d
// awaits it, the one on an arbitration when d is in arbitration. It
// reports whether it applied one.
func (s *Service) applyRulings(ctx context.Context, d *posguard.Dispute, n *Notice) (bool, error) {
	var won bool
	switch {
	case d.State == posguard.DisputeResponded && n.Decision != "":
		won = n.Decision == RulingWon
	case d.State == posguard.DisputeArbitration && n.Arbitration != "":
		won = n.Arbitration == RulingWon
	default:
		return false, nil
	}
	why := n.Ruling
	if why == "" {
		why = "ruled " + map[bool]string{true: RulingWon, false: RulingLost}[won]
	}
	err := s.rule(ctx, d.ID, d.State, won, why, n.DecidedAt)
	if posguard.ErrorCode(err) == posguard.ECONFLICT {
		return false, nil // ruled meanwhile (another instance)
	}
	return err == nil, err
}

// prepare is what a response and an escalation share before they go to
// the network: EUNAVAILABLE without a link, the statement added when there
// is one, then the response with the dispute's evidence.
func (s *Service) prepare(ctx context.Context, id string, d *posguard.Dispute, a Actor, statement string) (Response, error) {
	if s.Network == nil {
		return Response{}, posguard.Errorf(posguard.EUNAVAILABLE, "no dispute link to the network is configured")
	}
	if strings.TrimSpace(statement) != "" {
		if _, err := s.AddStatement(ctx, id, a, statement); err != nil {
			return Response{}, err
		}
	}
	t, err := s.Store.ByID(ctx, d.TxnID)
	if err != nil {
		return Response{}, err
	}
	return s.response(ctx, d, t)
}

// response builds what is sent for d.
func (s *Service) response(ctx context.Context, d *posguard.Dispute, t *posguard.Transaction) (Response, error) {
	resp := Response{DisputeID: d.ID, Evidence: []EvidenceItem{}}
	rb := &receipt.Builder{Store: s.Store, Ledger: s.Ledger}
	if rc, err := rb.For(ctx, t); err == nil {
		resp.Receipt = &ReceiptFacts{RRN: rc.RRN, Trace: rc.STAN, Terminal: rc.TerminalID, Merchant: rc.MerchantID,
			Card: posguard.MaskPAN(rc.CardMasked), Amount: int64(rc.Amount), AuthCode: rc.AuthCode, EntryMode: rc.EntryMode,
			Text: receipt.Text(rc)}
	} else if posguard.ErrorCode(err) != posguard.ENOTFOUND {
		return resp, err
	}
	es, err := s.Store.DisputeEvidence(ctx, d.ID)
	if err != nil {
		return resp, err
	}
	for _, e := range es {
		resp.Evidence = append(resp.Evidence, describe(e))
		if e.Kind == posguard.EvidenceText && e.Source != posguard.EvidenceByPosguard {
			full, err := s.Store.DisputeEvidenceItem(ctx, d.ID, e.ID)
			if err != nil {
				return resp, err
			}
			resp.Statement = strings.TrimSpace(resp.Statement + "\n" + string(full.Data))
		}
	}
	return resp, nil
}

// Accept gives dispute id up without contest (staff): lost, the chargeback
// stands.
func (s *Service) Accept(ctx context.Context, id string, a Actor, note string) (*posguard.Dispute, error) {
	d, err := s.visible(ctx, id, a)
	if err != nil {
		return nil, err
	}
	now := s.now()
	if err := s.Store.UpdateDispute(ctx, posguard.DisputeUpdate{ID: id, FromStates: active, State: posguard.DisputeLost,
		LostBy: posguard.LostAccepted, Outcome: posguard.MaskFreeText(strings.TrimSpace("accepted " + note)), DecidedAt: now}); err != nil {
		return nil, err
	}
	s.resolveCase(ctx, d, a.Name, "接受争议，不再抗辩 / accepted without contest: "+note)
	s.note(ctx, d.TxnID, fmt.Sprintf("%s %s accepted by %s", kindName(d.Kind), d.ID, a.Name))
	s.audit(ctx, a, "dispute.accept", object(id), "ok", map[string]any{"note": note})
	return s.Store.Dispute(ctx, id)
}

// Expire loses every active dispute whose deadline has passed (by
// LostByDeadline): its case is resolved, its transaction's history noted.
// It returns how many it lost.
func (s *Service) Expire(ctx context.Context) (int, error) {
	now := s.now()
	ds, err := s.Store.Disputes(ctx, posguard.DisputeFilter{DueBefore: now.Add(1), Limit: 1000})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, d := range ds {
		err := s.Store.UpdateDispute(ctx, posguard.DisputeUpdate{ID: d.ID, FromStates: active, State: posguard.DisputeLost,
			LostBy: posguard.LostByDeadline, Outcome: "deadline passed without a response", DecidedAt: now})
		if posguard.ErrorCode(err) == posguard.ECONFLICT {
			continue // answered meanwhile
		}
		if err != nil {
			return n, err
		}
		n++
		outcome := fmt.Sprintf("逾期未回复，争议败诉 / not answered by %s: lost", stamp(d.DueAt))
		if d.Kind == posguard.DisputeChargeback {
			outcome += fmt.Sprintf("；拒付成立，商户承担 %s 元 / the chargeback of %s yuan stands", d.Amount, d.Amount)
		}
		x := diagnosis.Explain("", posguard.ReasonDisputeDeadline, nil)
		s.caseEntry(ctx, d, posguard.EntryCause, System.Name, x.Summary.ZH+" / "+x.Summary.EN)
		s.resolveCase(ctx, d, System.Name, outcome)
		s.note(ctx, d.TxnID, fmt.Sprintf("%s %s lost: deadline %s passed", kindName(d.Kind), d.ID, stamp(d.DueAt)))
		s.audit(ctx, System, "dispute.expired", object(d.ID), "lost", map[string]any{"due_at": d.DueAt})
	}
	return n, nil
}
