package dispute

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/ledger"
)

// ImportReport says what an import did.
type ImportReport struct {
	Lines     int      `json:"lines"`
	Created   []string `json:"created"`   // disputes new to posguard
	Existing  int      `json:"existing"`  // lines already imported before
	Unmatched []string `json:"unmatched"` // "line N: why" for lines no transaction answers
	Answered  []string `json:"answered"`  // retrieval requests answered at once
	Resumed   []string `json:"resumed"`   // disputes an earlier import left unfinished, finished now
	Ruled     []string `json:"ruled"`     // disputes whose ruling (on a response or an arbitration) came with this file
}

// String summarizes the report in one line.
func (r ImportReport) String() string {
	return fmt.Sprintf("disputes: %d lines, %d new, %d already imported, %d unmatched, %d answered at once, %d ruled",
		r.Lines, len(r.Created), r.Existing, len(r.Unmatched), len(r.Answered), len(r.Ruled))
}

// ImportFile reads a dispute file (ReadFile: a bad file imports nothing)
// and imports its lines.
func (s *Service) ImportFile(ctx context.Context, file []byte, a Actor) (ImportReport, error) {
	ns, err := ReadFile(bytes.NewReader(file))
	if err != nil {
		s.audit(ctx, a, "dispute.import", "disputes", posguard.EINVALID, nil)
		return ImportReport{}, err
	}
	return s.Import(ctx, ns, a)
}

// Fetch imports the network's current dispute file, then loses the
// disputes past their deadline (Expire).
func (s *Service) Fetch(ctx context.Context) (ImportReport, error) {
	if s.Network == nil {
		return ImportReport{}, posguard.Errorf(posguard.EUNAVAILABLE, "no dispute link to the network is configured")
	}
	file, err := s.Network.DisputeFile(ctx)
	if err != nil {
		return ImportReport{}, err
	}
	rep, err := s.ImportFile(ctx, file, System)
	if err != nil {
		return rep, err
	}
	if _, err = s.Expire(ctx); err != nil {
		return rep, err
	}
	answered, err := s.answerPending(ctx)
	rep.Answered = append(rep.Answered, answered...)
	return rep, err
}

// answerPending answers, with the receipt, the open retrieval requests
// AutoRetrieval should have answered at import but could not (the network
// was unreachable then): they are retried at every fetch until answered or
// past their deadline.
func (s *Service) answerPending(ctx context.Context) ([]string, error) {
	if !s.AutoRetrieval || s.Network == nil {
		return nil, nil
	}
	ds, err := s.Store.Disputes(ctx, posguard.DisputeFilter{Kind: posguard.DisputeRetrieval, State: posguard.DisputeOpen, Limit: 1000})
	if err != nil {
		return nil, err
	}
	var out []string
	for _, d := range ds {
		if r, _ := Lookup(d.ReasonCode); r.Need != NeedReceipt || d.CaseID == 0 || !d.RespondedAt.IsZero() {
			continue
		}
		if _, err := s.Respond(ctx, d.ID, System, ""); err != nil {
			s.log().Warn("dispute: automatic answer", "dispute", d.ID, "err", err)
			continue
		}
		out = append(out, d.ID)
	}
	return out, nil
}

// Import turns each notice into a dispute (idempotent by the network's
// dispute ID): linked to its transaction, due by its reason's deadline,
// with its case, its evidence gathered, a chargeback's debit posted, the
// transaction's history noted and an audit record. A notice no
// transaction answers is reported, not stored.
func (s *Service) Import(ctx context.Context, ns []Notice, a Actor) (ImportReport, error) {
	rep := ImportReport{Lines: len(ns), Created: []string{}, Unmatched: []string{}, Answered: []string{}, Resumed: []string{}, Ruled: []string{}}
	for i := range ns {
		n := &ns[i]
		if d, err := s.Store.Dispute(ctx, n.ID); err == nil {
			if d.CaseID != 0 {
				rep.Existing++
				ruled, err := s.applyRulings(ctx, d, n)
				if err != nil {
					return rep, err
				}
				if ruled {
					rep.Ruled = append(rep.Ruled, d.ID)
				}
				continue
			}
			// An import stopped before finishing it (its case is set
			// last): finish it now. Every step is idempotent.
			t, err := s.Store.ByID(ctx, d.TxnID)
			if err == nil {
				err = s.complete(ctx, d, t, a)
			}
			if err != nil {
				return rep, err
			}
			rep.Resumed = append(rep.Resumed, d.ID)
			continue
		} else if posguard.ErrorCode(err) != posguard.ENOTFOUND {
			return rep, err
		}
		t, why, err := s.match(ctx, n)
		if err != nil {
			return rep, err
		}
		if t == nil {
			rep.Unmatched = append(rep.Unmatched, fmt.Sprintf("line %d: %s %s: %s", n.Line, n.ID, n.RRN, why))
			s.audit(ctx, a, "dispute.import", object(n.ID), "unmatched", map[string]any{"rrn": n.RRN, "why": why})
			continue
		}
		d, created, err := s.open(ctx, n, t, a)
		if err != nil {
			return rep, err
		}
		if !created {
			rep.Existing++
			continue
		}
		rep.Created = append(rep.Created, d.ID)
		r, _ := Lookup(d.ReasonCode)
		if s.AutoRetrieval && d.Kind == posguard.DisputeRetrieval && r.Need == NeedReceipt && s.Network != nil {
			if _, err := s.Respond(ctx, d.ID, System, ""); err == nil {
				rep.Answered = append(rep.Answered, d.ID)
			} else {
				s.log().Warn("dispute: automatic answer", "dispute", d.ID, "err", err)
			}
		}
	}
	if len(rep.Created) > 0 || len(rep.Unmatched) > 0 || len(rep.Ruled) > 0 {
		s.log().Info("disputes imported", "report", rep.String())
	}
	return rep, nil
}

// match finds the approved transaction a notice is about: its RRN, at its
// terminal and merchant, a sale or completion of at least the disputed
// amount. It returns nil and why when there is none.
func (s *Service) match(ctx context.Context, n *Notice) (*posguard.Transaction, string, error) {
	ts, err := s.Store.ByRRN(ctx, n.RRN)
	if err != nil {
		return nil, "", err
	}
	why := "no transaction has this RRN"
	for _, t := range ts {
		switch {
		case t.TerminalID != n.Terminal || t.MerchantID != n.Merchant:
			why = "the RRN belongs to another terminal or merchant"
		case t.Type != posguard.TxnSale && t.Type != posguard.TxnCompletion:
			why = "the transaction is not a sale or completion"
		case !posguard.HasReceipt(t):
			why = "the transaction was not approved"
		case t.Amount < n.Amount:
			why = fmt.Sprintf("the disputed %s yuan is more than the transaction's %s", n.Amount, t.Amount)
		default:
			return t, "", nil
		}
	}
	return nil, why, nil
}

// open stores the dispute of n about t and does everything its arrival
// calls for. created is false when another import stored it first.
func (s *Service) open(ctx context.Context, n *Notice, t *posguard.Transaction, a Actor) (*posguard.Dispute, bool, error) {
	r, _ := Lookup(n.ReasonCode)
	d := &posguard.Dispute{ID: n.ID, Kind: n.Kind, ReasonCode: n.ReasonCode, State: posguard.DisputeOpen, TxnID: t.ID,
		MerchantID: t.MerchantID, TerminalID: t.TerminalID, RRN: t.RRN, CardMasked: t.PANMasked, Amount: n.Amount,
		Currency: n.Currency, TxnDate: n.TxnDate, RaisedAt: n.RaisedAt, DueAt: r.Deadline(n.RaisedAt)}
	created, err := s.Store.PutDispute(ctx, d)
	if err != nil || !created {
		return d, false, err
	}
	return d, true, s.complete(ctx, d, t, a)
}

// complete does what a stored dispute's arrival calls for: its case, its
// evidence, a chargeback's debit, the transaction's history and the audit
// record. The case is linked last: a dispute without one is unfinished,
// and completing it again repeats no posting, case or piece of evidence.
func (s *Service) complete(ctx context.Context, d *posguard.Dispute, t *posguard.Transaction, a Actor) error {
	r, _ := Lookup(d.ReasonCode)
	c, err := s.openCase(ctx, d, t, r)
	if err != nil {
		return err
	}
	d.CaseID = c.ID // in memory, for the case entries below; stored last
	names, err := s.gather(ctx, d, t)
	if err != nil {
		return err
	}
	s.caseEntry(ctx, d, posguard.EntryStep, System.Name, "自动收集证据 evidence gathered automatically: "+strings.Join(names, ", "))
	s.note(ctx, t.ID, fmt.Sprintf("%s %s received: reason %s %s; respond by %s", kindName(d.Kind), d.ID, r.Code, r.Name.EN, stamp(d.DueAt)))
	if d.Kind == posguard.DisputeChargeback {
		date := s.Calendar.SettlementDate(s.now())
		if _, err := s.Ledger.AppendPostings(ctx, []*posguard.Posting{ledger.Chargeback(d, t, date)}); err != nil {
			return err
		}
		msg := fmt.Sprintf("商户扣款 %s 元（从未结算余额中扣除，不足则从下次结算中扣减）/ merchant debited %s yuan, dated %s (held from its unsettled balance; if short, its next settlement is reduced)",
			d.Amount, d.Amount, date)
		s.caseEntry(ctx, d, posguard.EntryStep, System.Name, msg)
		s.note(ctx, t.ID, fmt.Sprintf("chargeback %s: merchant debited %s yuan", d.ID, d.Amount))
	}
	if err := s.Store.UpdateDispute(ctx, posguard.DisputeUpdate{ID: d.ID, CaseID: c.ID}); err != nil {
		return err
	}
	s.audit(ctx, a, "dispute.import", object(d.ID), "ok", map[string]any{"kind": d.Kind, "reason_code": d.ReasonCode,
		"txn": d.TxnID, "merchant": d.MerchantID, "amount": int64(d.Amount), "amount_yuan": d.Amount.String(), "due_at": d.DueAt, "case": d.CaseID, "evidence": names})
	return nil
}
