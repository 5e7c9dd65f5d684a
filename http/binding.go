package http

import (
	nethttp "net/http"

	"github.com/posguard/posguard"
)

// terminalInput is the body of POST /v1/terminals.
type terminalInput struct {
	MerchantID string `json:"merchant_id"`
	SerialNo   string `json:"serial_no"`
	Model      string `json:"model"`
	KeyScheme  string `json:"key_scheme"`
}

// createdTerminalView answers POST /v1/terminals: the only time the master
// key's components are shown.
type createdTerminalView struct {
	ID            string    `json:"id"`
	MerchantID    string    `json:"merchant_id"`
	SerialNo      string    `json:"serial_no"`
	Model         string    `json:"model,omitempty"`
	KeyScheme     string    `json:"key_scheme"`
	Status        string    `json:"status"`
	TMKComponents [2]string `json:"tmk_components"`
	TMKKCV        string    `json:"tmk_kcv"`
}

// boundTerminalView is a terminal and its binding (never a key).
type boundTerminalView struct {
	ID         string `json:"id"`
	MerchantID string `json:"merchant_id"`
	SerialNo   string `json:"serial_no,omitempty"`
	Model      string `json:"model,omitempty"`
	KeyScheme  string `json:"key_scheme"`
	Status     string `json:"status"`
	SignedOn   bool   `json:"signed_on"`
	LastSeen   string `json:"last_seen,omitempty"`
}

// terminalList answers GET /v1/merchants/{id}/terminals.
type terminalList struct {
	MerchantID string              `json:"merchant_id"`
	Terminals  []boundTerminalView `json:"terminals"`
}

// moveInput is the body of …/move.
type moveInput struct {
	MerchantID string `json:"merchant_id"`
}

// statusInput is the body of …/status.
type statusInput struct {
	Status string `json:"status"`
}

func newBoundView(t *posguard.Terminal, serial string) boundTerminalView {
	return boundTerminalView{ID: t.ID, MerchantID: t.MerchantID, SerialNo: serial, Model: t.Model, KeyScheme: t.KeyScheme,
		Status: string(t.Status), SignedOn: t.SignedOn, LastSeen: formatTime(t.LastSeen)}
}

func (s *Server) postTerminal(w nethttp.ResponseWriter, r *nethttp.Request) {
	var in terminalInput
	if err := readBody(r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	nt, err := s.Backoffice.Onboarding.CreateTerminal(r.Context(), actor(r), in.MerchantID, in.SerialNo, in.Model, in.KeyScheme)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	t := nt.Terminal
	writeJSON(w, nethttp.StatusCreated, createdTerminalView{ID: t.ID, MerchantID: t.MerchantID, SerialNo: nt.SerialNo, Model: t.Model,
		KeyScheme: t.KeyScheme, Status: string(t.Status), TMKComponents: nt.Components, TMKKCV: nt.KCV})
}

func (s *Server) merchantTerminals(w nethttp.ResponseWriter, r *nethttp.Request) {
	mid := r.PathValue("id")
	if _, err := s.merchantFor(r, mid); err != nil {
		s.writeError(w, r, err)
		return
	}
	ts, serials, err := s.Backoffice.Onboarding.MerchantTerminals(r.Context(), mid)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := terminalList{MerchantID: mid, Terminals: []boundTerminalView{}}
	for _, t := range ts {
		out.Terminals = append(out.Terminals, newBoundView(t, serials[t.ID]))
	}
	writeJSON(w, nethttp.StatusOK, out)
}

func (s *Server) unbindTerminal(w nethttp.ResponseWriter, r *nethttp.Request) {
	t, err := s.Backoffice.Onboarding.Unbind(r.Context(), actor(r), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, nethttp.StatusOK, newBoundView(t, ""))
}

func (s *Server) moveTerminal(w nethttp.ResponseWriter, r *nethttp.Request) {
	var in moveInput
	if err := readBody(r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	t, err := s.Backoffice.Onboarding.Move(r.Context(), actor(r), r.PathValue("id"), in.MerchantID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	serial := ""
	if b, err := s.Backoffice.Onboarding.Store.Binding(r.Context(), t.ID); err == nil {
		serial = b.SerialNo
	}
	writeJSON(w, nethttp.StatusOK, newBoundView(t, serial))
}

func (s *Server) terminalStatus(w nethttp.ResponseWriter, r *nethttp.Request) {
	var in statusInput
	if err := readBody(r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	t, err := s.Backoffice.Onboarding.SetStatus(r.Context(), actor(r), r.PathValue("id"), posguard.TerminalStatus(in.Status))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	serial := ""
	if b, err := s.Backoffice.Onboarding.Store.Binding(r.Context(), t.ID); err == nil {
		serial = b.SerialNo
	}
	writeJSON(w, nethttp.StatusOK, newBoundView(t, serial))
}
