package simnet

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/recon/clearing"
)

// FaultsView is the admin API's view of the fault mix.
type FaultsView struct {
	// Spec is the mix in canonical form ("" for none).
	Spec string `json:"spec"`
	// Windows are the outages and decline bursts with their end.
	Windows []WindowView `json:"windows"`
}

// WindowView is one outage or decline burst.
type WindowView struct {
	Kind   string    `json:"kind"` // outage | decline_burst
	BIN    string    `json:"bin"`
	Until  time.Time `json:"until"`
	Active bool      `json:"active"`
}

// Handler returns the admin HTTP API:
//
//	GET  /accounts  the accounts (masked PANs), balances and postings, sorted by PAN
//	GET  /faults    the fault mix
//	POST /faults    {"spec": "..."} sets the fault mix; 400 {"error": "..."} for a bad spec
//	GET  /stats     requests, answers by code, faults by kind, reversals, duplicates
//	GET  /clearing?date=YYYY-MM-DD         the clearing file of that date (IND{yymmdd}01ACOM)
//	GET  /clearing/faults?date=YYYY-MM-DD  what the clearing knobs did to that file
//	POST /disputes                 {"rrn","kind","reason_code","amount"} raises a dispute (docs/disputes.md)
//	GET  /disputes                 the disputes raised and their rulings
//	GET  /disputes/file            the dispute file (CSV) of every dispute raised
//	POST /disputes/{id}/response   a response; answers the ruling {"dispute_id","decision","reason"} ("pending" with a ruling delay)
//	POST /disputes/{id}/arbitration  escalates a lost representment to arbitration; answers as a response
//	POST /disputes/rule            makes every pending ruling due now (the network's ruling run)
func (n *Network) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /clearing", func(w http.ResponseWriter, r *http.Request) {
		date, ok := clearingDateParam(w, r)
		if !ok {
			return
		}
		body, _ := n.Clearing(date)
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Disposition", `attachment; filename="`+clearing.ClearingFileName(date)+`"`)
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(http.StatusOK)
		w.Write(body)
	})
	mux.HandleFunc("GET /clearing/faults", func(w http.ResponseWriter, r *http.Request) {
		date, ok := clearingDateParam(w, r)
		if !ok {
			return
		}
		_, done := n.Clearing(date)
		if done == nil {
			done = []ClearingFault{}
		}
		writeJSON(w, http.StatusOK, done)
	})
	mux.HandleFunc("GET /accounts", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, n.Accounts())
	})
	mux.HandleFunc("GET /faults", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, n.faultsView())
	})
	mux.HandleFunc("POST /faults", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Spec *string `json:"spec"`
		}
		dec := json.NewDecoder(io.LimitReader(r.Body, 64<<10))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&body); err != nil || body.Spec == nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": `want a JSON object {"spec": "..."}`})
			return
		}
		if err := n.SetFaults(*body.Spec); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": posguard.ErrorMessage(err)})
			return
		}
		writeJSON(w, http.StatusOK, n.faultsView())
	})
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, n.Stats())
	})
	n.disputeRoutes(mux)
	return mux
}

func (n *Network) faultsView() FaultsView {
	n.mu.Lock()
	defer n.mu.Unlock()
	now := n.now()
	v := FaultsView{Spec: n.faults.String(), Windows: make([]WindowView, 0, len(n.windows))}
	for _, w := range n.windows {
		v.Windows = append(v.Windows, WindowView{Kind: w.kind, BIN: w.bin, Until: w.until.UTC(), Active: now.Before(w.until)})
	}
	return v
}

// clearingDateParam reads ?date=YYYY-MM-DD, answering 400 when it is
// missing or malformed.
func clearingDateParam(w http.ResponseWriter, r *http.Request) (string, bool) {
	date := r.URL.Query().Get("date")
	if _, err := time.Parse("2006-01-02", date); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "want ?date=YYYY-MM-DD"})
		return "", false
	}
	return date, true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.Encode(v)
}
