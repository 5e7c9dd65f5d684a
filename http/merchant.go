package http

import (
	nethttp "net/http"

	"github.com/posguard/posguard"
)

// merchantView is a merchant as the API shows it; the settlement account
// number is masked.
type merchantView struct {
	ID           string      `json:"id"`
	Name         string      `json:"name,omitempty"`
	MCC          string      `json:"mcc,omitempty"`
	Status       string      `json:"status"`
	StatusSince  string      `json:"status_since,omitempty"`
	Kind         string      `json:"kind,omitempty"`
	FeePlan      string      `json:"fee_plan,omitempty"`
	Limits       limitsView  `json:"limits"`
	AllowedTypes []string    `json:"allowed_types,omitempty"` // empty: all financial types
	Account      accountView `json:"settlement_account"`
	UpdatedAt    string      `json:"updated_at,omitempty"`
}

// limitsView is a set of limits (a merchant's, a limit request's): fen and
// counts; a zero amount or count means no limit.
type limitsView struct {
	PerTxn     int64  `json:"per_txn"`
	PerTxnYuan string `json:"per_txn_yuan"`
	Daily      int64  `json:"daily"`
	DailyYuan  string `json:"daily_yuan"`
	DailyCount int    `json:"daily_count"`
	// Per card (at this merchant) and per terminal, each settlement day.
	CardDaily          int64  `json:"card_daily"`
	CardDailyYuan      string `json:"card_daily_yuan"`
	CardDailyCount     int    `json:"card_daily_count"`
	TerminalDaily      int64  `json:"terminal_daily"`
	TerminalDailyYuan  string `json:"terminal_daily_yuan"`
	TerminalDailyCount int    `json:"terminal_daily_count"`
}

// accountView is a settlement account with its number masked to the last
// four characters.
type accountView struct {
	Bank   string `json:"bank,omitempty"`
	Number string `json:"number_masked,omitempty"`
	Name   string `json:"name,omitempty"`
	Status string `json:"status,omitempty"`
}

// newMerchantView renders m.
func newMerchantView(m *posguard.Merchant) merchantView {
	v := merchantView{
		ID:          m.ID,
		Name:        m.Name,
		MCC:         m.MCC,
		Status:      string(m.Status),
		StatusSince: formatTime(m.StatusSince),
		Kind:        m.Kind,
		FeePlan:     m.FeePlan,
		Limits:      newLimitsView(m.Limits),
		Account:     newAccountView(m.Account),
		UpdatedAt:   formatTime(m.UpdatedAt),
	}
	for _, t := range m.AllowedTypes {
		v.AllowedTypes = append(v.AllowedTypes, string(t))
	}
	return v
}

// getMerchant serves GET /v1/merchants/{id}.
func (s *Server) getMerchant(w nethttp.ResponseWriter, r *nethttp.Request) {
	id := r.PathValue("id")
	if len(id) > 15 {
		s.writeError(w, r, invalidParam("id", "a merchant ID has at most 15 characters"))
		return
	}
	m, err := s.merchantFor(r, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, nethttp.StatusOK, newMerchantView(m))
}

// newLimitsView shows l.
func newLimitsView(l posguard.Limits) limitsView {
	return limitsView{
		PerTxn: int64(l.PerTxn), PerTxnYuan: yuan(l.PerTxn), Daily: int64(l.Daily), DailyYuan: yuan(l.Daily), DailyCount: l.DailyCount,
		CardDaily: int64(l.CardDaily), CardDailyYuan: yuan(l.CardDaily), CardDailyCount: l.CardDailyCount,
		TerminalDaily: int64(l.TerminalDaily), TerminalDailyYuan: yuan(l.TerminalDaily), TerminalDailyCount: l.TerminalDailyCount,
	}
}
