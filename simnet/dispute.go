package simnet

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"sync"

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
}

// simDispute is one raised dispute and, once answered, its ruling.
type simDispute struct {
	notice   dispute.Notice
	decision string // "" until ruled: won | lost
	reason   string
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
	Reason     string `json:"reason,omitempty"`
}

func (d *simDispute) view() DisputeView {
	r, _ := dispute.Lookup(d.notice.ReasonCode)
	return DisputeView{ID: d.notice.ID, Kind: string(d.notice.Kind), ReasonCode: d.notice.ReasonCode, RRN: d.notice.RRN,
		Terminal: d.notice.Terminal, Merchant: d.notice.Merchant, Card: d.notice.Card, Amount: int64(d.notice.Amount),
		RaisedAt: d.notice.RaisedAt.Format("2006-01-02T15:04:05Z07:00"),
		DueAt:    r.Deadline(d.notice.RaisedAt).Format("2006-01-02T15:04:05Z07:00"), Decision: d.decision, Reason: d.reason}
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
	b := &n.disputes
	b.mu.Lock()
	defer b.mu.Unlock()
	ns := make([]dispute.Notice, 0, len(b.order))
	for _, id := range b.order {
		ns = append(ns, b.byID[id].notice)
	}
	return dispute.WriteFile(ns)
}

// Disputes returns every dispute raised, oldest first.
func (n *Network) Disputes() []DisputeView {
	b := &n.disputes
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]DisputeView, 0, len(b.order))
	for _, id := range b.order {
		out = append(out, b.byID[id].view())
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].RaisedAt < out[j].RaisedAt })
	return out
}

// RespondDispute rules on a response (dispute.Judge): a response after
// the deadline loses. Returns ENOTFOUND for an unknown dispute and
// ECONFLICT for one already ruled on.
func (n *Network) RespondDispute(resp dispute.Response) (dispute.Decision, error) {
	now := n.now()
	b := &n.disputes
	b.mu.Lock()
	defer b.mu.Unlock()
	d := b.byID[resp.DisputeID]
	if d == nil {
		return dispute.Decision{}, posguard.Errorf(posguard.ENOTFOUND, "no dispute %q", resp.DisputeID)
	}
	if d.decision != "" {
		return dispute.Decision{}, posguard.Errorf(posguard.ECONFLICT, "dispute %s was ruled on already: %s", d.notice.ID, d.decision)
	}
	r, _ := dispute.Lookup(d.notice.ReasonCode)
	won, why := false, "the response came after the deadline"
	if now.Before(r.Deadline(d.notice.RaisedAt)) {
		won, why = dispute.Judge(r, resp, d.notice.RRN, d.notice.Terminal, d.notice.Merchant, d.notice.Amount)
	}
	d.decision, d.reason = "lost", why
	if won {
		d.decision = "won"
	}
	return dispute.Decision{DisputeID: d.notice.ID, Decision: d.decision, Reason: why}, nil
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
		writeJSON(w, http.StatusCreated, d.view())
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
	mux.HandleFunc("POST /disputes/{id}/response", func(w http.ResponseWriter, r *http.Request) {
		var resp dispute.Response
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&resp); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "want a JSON dispute response"})
			return
		}
		resp.DisputeID = r.PathValue("id")
		d, err := n.RespondDispute(resp)
		switch posguard.ErrorCode(err) {
		case "":
			writeJSON(w, http.StatusOK, d)
		case posguard.ENOTFOUND:
			writeJSON(w, http.StatusNotFound, map[string]string{"error": posguard.ErrorMessage(err)})
		default:
			writeJSON(w, http.StatusConflict, map[string]string{"error": posguard.ErrorMessage(err)})
		}
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
	d, err := l.n.RespondDispute(r)
	if err != nil {
		return d, posguard.Errorf(posguard.ECONFLICT, "dispute %s: the network refused the response: %s", r.DisputeID, posguard.ErrorMessage(err))
	}
	return d, nil
}
