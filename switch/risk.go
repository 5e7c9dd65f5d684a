package switching

import (
	"context"

	"github.com/posguard/posguard"
)

// riskDetail names the decision's deciding hit in txn's detail (the
// explanation of the transaction says which rule hit).
func riskDetail(txn *posguard.Transaction, d *posguard.RiskDecision) {
	first := 0
	for i, h := range d.Hits {
		if h.Action == d.Action {
			first = i
			break
		}
	}
	if txn.Detail == nil {
		txn.Detail = map[string]string{}
	}
	txn.Detail["risk_rule"] = d.Hits[first].Rule
	txn.Detail["rule"] = d.Hits[first].Rule
	txn.Detail["kind"] = d.Kinds[first]
	txn.Detail["risk_action"] = string(d.Action)
}

// riskDecline answers a sale a decline or freeze rule hit: 59, nothing
// forwarded, the hits recorded (and the merchant frozen by Record).
func (s *Switch) riskDecline(ctx context.Context, t *posguard.Terminal, m *posguard.Merchant, req *posguard.TerminalRequest, txn *posguard.Transaction, d *posguard.RiskDecision) *posguard.TerminalResponse {
	reason := posguard.ReasonRiskDeclined
	if d.Action == posguard.RiskFreeze {
		reason = posguard.ReasonRiskFrozen
	}
	riskDetail(txn, d)
	detail := txn.Detail
	detail["gate"] = "risk"
	resp := s.rejectTxn(ctx, t, req, txn, reason, detail)
	s.recordRisk(ctx, txn, resp, d)
	if d.Action == posguard.RiskFreeze {
		s.ForgetMerchant(m.ID)
	}
	return resp
}

// recordRisk records d's hits with txn once it is journaled as itself (a
// retransmission answered from the journal records nothing again).
func (s *Switch) recordRisk(ctx context.Context, txn *posguard.Transaction, resp *posguard.TerminalResponse, d *posguard.RiskDecision) {
	if txn.ID == 0 || resp.TxnID != txn.ID {
		return
	}
	s.Risk.Record(context.WithoutCancel(ctx), txn, d)
}
