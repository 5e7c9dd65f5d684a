package dispute

import (
	"context"
	"fmt"
	"strings"

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
	if s.Network == nil {
		return nil, posguard.Errorf(posguard.EUNAVAILABLE, "no dispute link to the network is configured")
	}
	if strings.TrimSpace(statement) != "" {
		if _, err := s.AddStatement(ctx, id, a, statement); err != nil {
			return nil, err
		}
	}
	t, err := s.Store.ByID(ctx, d.TxnID)
	if err != nil {
		return nil, err
	}
	resp, err := s.response(ctx, d, t)
	if err != nil {
		return nil, err
	}
	dec, err := s.Network.Respond(ctx, resp)
	if err != nil {
		s.audit(ctx, a, "dispute.respond", object(id), posguard.ErrorCode(err), nil)
		return nil, err
	}
	won := dec.Decision == "won"
	u := posguard.DisputeUpdate{ID: id, FromStates: active, State: posguard.DisputeLost, Outcome: posguard.MaskFreeText(dec.Reason),
		LostBy: posguard.LostByNetwork, RespondedAt: now, DecidedAt: now}
	if won {
		u.State, u.LostBy = posguard.DisputeWon, ""
	}
	if err := s.Store.UpdateDispute(ctx, u); err != nil {
		return nil, err
	}
	s.audit(ctx, a, "dispute.respond", object(id), "ok", map[string]any{"evidence": len(resp.Evidence), "decision": dec.Decision, "reason": dec.Reason})
	r, _ := Lookup(d.ReasonCode)
	var outcome string
	switch {
	case won && d.Kind == posguard.DisputeChargeback:
		date := s.Calendar.SettlementDate(now)
		if _, err := s.Ledger.AppendPostings(ctx, []*posguard.Posting{ledger.Representment(d, t, date)}); err != nil {
			return nil, err
		}
		outcome = fmt.Sprintf("再请款成功，%s 元已退回商户 / representment won: %s yuan credited back to the merchant (%s)", d.Amount, d.Amount, dec.Reason)
	case won:
		outcome = fmt.Sprintf("调单已回复并被接受 / retrieval request fulfilled (%s)", dec.Reason)
	case d.Kind == posguard.DisputeChargeback:
		outcome = fmt.Sprintf("再请款失败，拒付成立，商户承担 %s 元 / representment lost: the chargeback of %s yuan stands (%s)", d.Amount, d.Amount, dec.Reason)
	default:
		outcome = fmt.Sprintf("调单回复未被接受 / retrieval response not accepted (%s)", dec.Reason)
	}
	s.caseEntry(ctx, d, posguard.EntryStep, a.Name, fmt.Sprintf("已向卡组织回复 response sent with %d pieces of evidence (reason %s: %s)", len(resp.Evidence), r.Code, r.Name.EN))
	s.resolveCase(ctx, d, a.Name, outcome)
	s.note(ctx, d.TxnID, fmt.Sprintf("%s %s: response sent; %s", kindName(d.Kind), d.ID, dec.Decision))
	s.audit(ctx, System, "dispute.decided", object(id), dec.Decision, map[string]any{"outcome": outcome})
	return s.Store.Dispute(ctx, id)
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
