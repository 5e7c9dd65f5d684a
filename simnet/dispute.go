package simnet

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/dispute"
)

// disputeBook keeps the disputes the network raised, in the order raised.
// Disputes are kept apart from the issuers' accounts: raising one moves no
// cardholder money here (docs/disputes.md).
type disputeBook struct {
	mu    sync.Mutex
	seq   int
	order []string
	byID  map[string]*simDispute
	delay time.Duration // Options.DisputeRulingDelay, or as set since
}

// SetDisputeRulingDelay changes how long the network takes to rule on
// the next dispute responses and arbitrations (Options.DisputeRulingDelay).
func (n *Network) SetDisputeRulingDelay(d time.Duration) {
	n.disputes.mu.Lock()
	defer n.disputes.mu.Unlock()
	n.disputes.delay = d
}

// simDispute is one raised dispute and, once answered, its rulings. A
// ruling is made when the response (or arbitration) comes, and shown from
// its due time on (the ruling delay).
type simDispute struct {
	notice   dispute.Notice
	decision string // "" until answered: won | lost
	reason   string
	due      time.Time // when the decision is shown
	arb      string    // "" until escalated: won | lost
	arbWhy   string
	arbDue   time.Time
}

// shown returns the rulings visible at now: the decision, the arbitration
// ruling, when the latest was made and why.
func (d *simDispute) shown(now time.Time) (decision, arb string, at time.Time, why string) {
	if d.decision == "" || now.Before(d.due) {
		return "", "", time.Time{}, ""
	}
	decision, at, why = d.decision, d.due, d.reason
	if d.arb != "" && !now.Before(d.arbDue) {
		arb, at, why = d.arb, d.arbDue, d.arbWhy
	}
	return decision, arb, at, why
}

// line is d's line in the dispute file at now.
func (d *simDispute) line(now time.Time) dispute.Notice {
	n := d.notice
	n.Decision, n.Arbitration, n.DecidedAt, n.Ruling = d.shown(now)
	n.DecidedAt = n.DecidedAt.Truncate(time.Second)
	if len(n.Ruling) > dispute.MaxRuling {
		n.Ruling = n.Ruling[:dispute.MaxRuling]
	}
	return n
}

// DisputeView is the admin API's view of a dispute.
type DisputeView struct {
	ID         string `json:"dispute_id"`
	Kind       string `json:"kind"`
	ReasonCode string `json:"reason_code"`
	RRN        string `json:"rrn"`
	Terminal   string `json:"terminal"`
	Merchant   string `json:"merchant"`
	Card       string `json:"card"`
	Amount     int64  `json:"amount"`
	RaisedAt   string `json:"raised_at"`
	DueAt      string `json:"due_at"`
	Decision   string `json:"decision,omitempty"`
	// Arbitration is the arbitration's ruling ("" none yet).
	Arbitration string `json:"arbitration,omitempty"`
	Reason      string `json:"reason,omitempty"`
}

func (d *simDispute) view(now time.Time) DisputeView {
	r, _ := dispute.Lookup(d.notice.ReasonCode)
	dec, arb, _, why := d.shown(now)
	if dec == "" && d.decision != "" {
		dec = dispute.Pending
	} else if arb == "" && d.arb != "" {
		arb = dispute.Pending
	}
	return DisputeView{ID: d.notice.ID, Kind: string(d.notice.Kind), ReasonCode: d.notice.ReasonCode, RRN: d.notice.RRN,
		Terminal: d.notice.Terminal, Merchant: d.notice.Merchant, Card: d.notice.Card, Amount: int64(d.notice.Amount),
		RaisedAt: d.notice.RaisedAt.Format("2006-01-02T15:04:05Z07:00"),
		DueAt:    r.Deadline(d.notice.RaisedAt).Format("2006-01-02T15:04:05Z07:00"), Decision: dec, Arbitration: arb, Reason: why}
}

// RaiseDispute raises a retrieval request or chargeback with reason code
// about the posted sale or completion whose RRN is rrn, for amount (0: the
// whole amount). Returns ENOTFOUND when no posted sale or completion has
// that RRN, EINVALID for an unknown reason, a reason of the other kind or
// an amount over the sale's.
func (n *Network) RaiseDispute(rrn string, kind posguard.DisputeKind, code string, amount posguard.Amount) (dispute.Notice, error) {
	r, ok := dispute.Lookup(code)
	if !ok || r.Kind != kind {
		return dispute.Notice{}, posguard.Errorf(posguard.EINVALID, "reason %q is not a %s reason", code, kind)
	}
	n.mu.Lock()
	var found *posting
	var pan string
	for p, a := range n.accounts {
		for _, q := range a.postings {
			if q.rrn == rrn && (q.kind == KindSale || q.kind == KindCompletion) && q.state == StatePosted {
				found, pan = q, p
			}
		}
	}
	now := n.now()
	n.mu.Unlock()
	if found == nil {
		return dispute.Notice{}, posguard.Errorf(posguard.ENOTFOUND, "no posted sale or completion has RRN %q", rrn)
	}
	if amount == 0 {
		amount = found.amount
	}
	if amount < 0 || amount > found.amount {
		return dispute.Notice{}, posguard.Errorf(posguard.EINVALID, "amount %s is over the sale's %s", amount, found.amount)
	}
	b := &n.disputes
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.byID == nil {
		b.byID = map[string]*simDispute{}
	}
	b.seq++
	prefix := "RR"
	if kind == posguard.DisputeChargeback {
		prefix = "CB"
	}
	no := dispute.Notice{
		ID: fmt.Sprintf("%s%s%06d", prefix, now.In(posguard.ChinaStandardTime).Format("20060102"), b.seq), Kind: kind,
		ReasonCode: code, RRN: rrn, Trace: found.stan, Terminal: found.terminal, Merchant: found.merchant,
		Card: posguard.MaskPAN(pan), Amount: amount, Currency: posguard.CurrencyCNY,
		TxnDate: found.approvedAt.In(posguard.ChinaStandardTime).Format("2006-01-02"), RaisedAt: now.UTC().Truncate(1e9),
	}
	b.byID[no.ID] = &simDispute{notice: no}
	b.order = append(b.order, no.ID)
	return no, nil
}

// DisputeFile returns the dispute file of every dispute raised (the format
// of dispute.ReadFile).
func (n *Network) DisputeFile() []byte {
	now := n.now()
	b := &n.disputes
	b.mu.Lock()
	defer b.mu.Unlock()
	ns := make([]dispute.Notice, 0, len(b.order))
	for _, id := range b.order {
		ns = append(ns, b.byID[id].line(now))
	}
	return dispute.WriteFile(ns)
}

// Disputes returns every dispute raised, oldest first.
func (n *Network) Disputes() []DisputeView {
	now := n.now()
	b := &n.disputes
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]DisputeView, 0, len(b.order))
	for _, id := range b.order {
		out = append(out, b.byID[id].view(now))
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].RaisedAt < out[j].RaisedAt })
	return out
}

// find returns the dispute id, or ENOTFOUND; b.mu is held.
func (b *disputeBook) find(id string) (*simDispute, error) {
	d := b.byID[id]
	if d == nil {
		return nil, posguard.Errorf(posguard.ENOTFOUND, "no dispute %q", id)
	}
	return d, nil
}

// RespondDispute rules on a response (dispute.Judge): a response after
// the deadline loses. Returns ENOTFOUND for an unknown dispute and
// ECONFLICT for one already ruled on.
func (n *Network) RespondDispute(resp dispute.Response) (dispute.Decision, error) {
	now := n.now()
	b := &n.disputes
	b.mu.Lock()
	defer b.mu.Unlock()
	d, err := b.find(resp.DisputeID)
	if err != nil {
		return dispute.Decision{}, err
	}
	if d.decision != "" {
		return dispute.Decision{}, posguard.Errorf(posguard.ECONFLICT, "dispute %s was ruled on already: %s", d.notice.ID, d.decision)
	}
	r, _ := dispute.Lookup(d.notice.ReasonCode)
	won, why := false, "the response came after the deadline"
	if now.Before(r.Deadline(d.notice.RaisedAt)) {
		won, why = dispute.Judge(r, resp, d.notice.RRN, d.notice.Terminal, d.notice.Merchant, d.notice.Amount)
	}
	d.decision, d.reason, d.due = dispute.RulingLost, why, now.Add(b.delay)
	if won {
		d.decision = dispute.RulingWon
	}
	return d.answer(d.decision, why, d.due, now), nil
}

// answer is the network's answer to a response or arbitration: the ruling
// when it is due already, else "pending".
func (d *simDispute) answer(decision, why string, due, now time.Time) dispute.Decision {
	if now.Before(due) {
		return dispute.Decision{DisputeID: d.notice.ID, Decision: dispute.Pending, Reason: "the network will rule; the ruling comes in the dispute file"}
	}
	return dispute.Decision{DisputeID: d.notice.ID, Decision: decision, Reason: why}
}

// ArbitrateDispute takes a chargeback whose representment was ruled lost
// to arbitration, with resp as the case: the network rules again by
// dispute.Judge (the fuller case — the merchant's evidence added since —
// may win now; a counterfeit magnetic-stripe read still loses), within
// posguard.ArbitrationWindow of the lost ruling. Returns ENOTFOUND for an
// unknown dispute, ECONFLICT for one that may not go to arbitration.
func (n *Network) ArbitrateDispute(resp dispute.Response) (dispute.Decision, error) {
	now := n.now()
	b := &n.disputes
	b.mu.Lock()
	defer b.mu.Unlock()
	d, err := b.find(resp.DisputeID)
	if err != nil {
		return dispute.Decision{}, err
	}
	dec, _, at, _ := d.shown(now)
	switch {
	case d.notice.Kind != posguard.DisputeChargeback || dec != dispute.RulingLost:
		return dispute.Decision{}, posguard.Errorf(posguard.ECONFLICT, "dispute %s: only a chargeback whose representment was ruled lost goes to arbitration", d.notice.ID)
	case d.arb != "":
		return dispute.Decision{}, posguard.Errorf(posguard.ECONFLICT, "dispute %s is in arbitration already", d.notice.ID)
	case !now.Before(at.Add(posguard.ArbitrationWindow)):
		return dispute.Decision{}, posguard.Errorf(posguard.ECONFLICT, "dispute %s: the arbitration window closed", d.notice.ID)
	}
	r, _ := dispute.Lookup(d.notice.ReasonCode)
	won, why := dispute.Judge(r, resp, d.notice.RRN, d.notice.Terminal, d.notice.Merchant, d.notice.Amount)
	d.arb, d.arbWhy, d.arbDue = dispute.RulingLost, "arbitration: "+why, now.Add(b.delay)
	if won {
		d.arb = dispute.RulingWon
	}
	return d.answer(d.arb, d.arbWhy, d.arbDue, now), nil
}

// RuleDisputes makes every pending ruling due now (the network's ruling
// run; tests and demos use it instead of waiting for the delay). It
// returns how many rulings it made due.
func (n *Network) RuleDisputes() int {
	now := n.now()
	b := &n.disputes
	b.mu.Lock()
	defer b.mu.Unlock()
	k := 0
	for _, d := range b.byID {
		if d.decision != "" && now.Before(d.due) {
			d.due, k = now, k+1
		}
		if d.arb != "" && now.Before(d.arbDue) {
			d.arbDue, k = now, k+1
		}
	}
	return k
}

// disputeRoutes adds the dispute routes of the admin API to mux.
func (n *Network) disputeRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /disputes", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			RRN        string `json:"rrn"`
			Kind       string `json:"kind"`
			ReasonCode string `json:"reason_code"`
			Amount     int64  `json:"amount"`
		}
		dec := json.NewDecoder(io.LimitReader(r.Body, 64<<10))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&body); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": `want {"rrn","kind":"retrieval|chargeback","reason_code","amount"}`})
			return
		}
		no, err := n.RaiseDispute(body.RRN, posguard.DisputeKind(body.Kind), body.ReasonCode, posguard.Amount(body.Amount))
		if err != nil {
			st := http.StatusBadRequest
			if posguard.ErrorCode(err) == posguard.ENOTFOUND {
				st = http.StatusNotFound
			}
			writeJSON(w, st, map[string]string{"error": posguard.ErrorMessage(err)})
			return
		}
		d := &simDispute{notice: no}
		writeJSON(w, http.StatusCreated, d.view(n.now()))
	})
	mux.HandleFunc("GET /disputes", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, n.Disputes())
	})
	mux.HandleFunc("GET /disputes/file", func(w http.ResponseWriter, r *http.Request) {
		body := n.DisputeFile()
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="disputes.csv"`)
		w.WriteHeader(http.StatusOK)
		w.Write(body)
	})
	answer := func(f func(dispute.Response) (dispute.Decision, error)) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			var resp dispute.Response
			if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&resp); err != nil {
				writeJSON(w, http.StatusBadRequest, map[string]string{"error": "want a JSON dispute response"})
				return
			}
			resp.DisputeID = r.PathValue("id")
			d, err := f(resp)
			switch posguard.ErrorCode(err) {
			case "":
				writeJSON(w, http.StatusOK, d)
			case posguard.ENOTFOUND:
				writeJSON(w, http.StatusNotFound, map[string]string{"error": posguard.ErrorMessage(err)})
			default:
				writeJSON(w, http.StatusConflict, map[string]string{"error": posguard.ErrorMessage(err)})
			}
		}
	}
	mux.HandleFunc("POST /disputes/{id}/response", answer(n.RespondDispute))
	mux.HandleFunc("POST /disputes/{id}/arbitration", answer(n.ArbitrateDispute))
	mux.HandleFunc("POST /disputes/rule", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]int{"ruled": n.RuleDisputes()})
	})
}

// DisputeLink returns the network's dispute side as posguard's
// dispute.Network, in process (dispute.Client reaches the same through the
// admin API). Errors are those of dispute.Client: a response the network
// refuses (unknown or ruled dispute) is ECONFLICT.
func (n *Network) DisputeLink() dispute.Network { return disputeLink{n} }

type disputeLink struct{ n *Network }

func (l disputeLink) DisputeFile(ctx context.Context) ([]byte, error) { return l.n.DisputeFile(), nil }

func (l disputeLink) Respond(ctx context.Context, r dispute.Response) (dispute.Decision, error) {
	return l.answer(l.n.RespondDispute, r)
}

func (l disputeLink) Arbitrate(ctx context.Context, r dispute.Response) (dispute.Decision, error) {
	return l.answer(l.n.ArbitrateDispute, r)
}

func (l disputeLink) answer(f func(dispute.Response) (dispute.Decision, error), r dispute.Response) (dispute.Decision, error) {
	d, err := f(r)
	if err != nil {
		return d, posguard.Errorf(posguard.ECONFLICT, "dispute %s: the network refused the response: %s", r.DisputeID, posguard.ErrorMessage(err))
	}
	return d, nil
}
