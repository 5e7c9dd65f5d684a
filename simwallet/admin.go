package simwallet

import (
	"encoding/json"
	"net/http"
	"sort"

	"github.com/posguard/posguard/wallet"
)

// ChargeView is one order that took a payer's money (GET /accounts).
type ChargeView struct {
	OutTradeNo     string `json:"out_trade_no"`
	TransactionID  string `json:"transaction_id"`
	MchID          string `json:"mch_id"`
	Mode           string `json:"mode"`
	Amount         int64  `json:"amount"`
	RefundedAmount int64  `json:"refunded_amount"`
	State          string `json:"state"` // charged, refunded or reversed
	PaidAt         string `json:"paid_at"`
}

// AccountView is one payer (GET /accounts).
type AccountView struct {
	Code     string       `json:"code"`
	Channel  string       `json:"channel"`
	Behavior string       `json:"behavior"`
	Balance  int64        `json:"balance"`
	Charges  []ChargeView `json:"charges"`
}

// OrderView is one order a channel knows (GET /orders).
type OrderView struct {
	Channel        string `json:"channel"`
	OutTradeNo     string `json:"out_trade_no"`
	Mode           string `json:"mode"`
	TradeState     string `json:"trade_state"`
	Amount         int64  `json:"amount"`
	RefundedAmount int64  `json:"refunded_amount"`
	AuthCode       string `json:"auth_code,omitempty"` // masked 6+4
}

// Accounts returns every payer with the orders that took its money.
func (s *Sim) Accounts() []AccountView {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]AccountView, 0, len(s.payers))
	for _, p := range s.payers {
		v := AccountView{Code: p.cfg.Code, Channel: p.cfg.Channel, Behavior: p.cfg.Behavior, Balance: p.balance, Charges: []ChargeView{}}
		if v.Behavior == "" {
			v.Behavior = "ok"
		}
		for _, o := range s.sortedOrders() {
			if o.payer != p || o.txID == "" {
				continue
			}
			st := "charged"
			if o.reversed {
				st = "reversed"
			} else if o.refunded == o.amount {
				st = "refunded"
			}
			v.Charges = append(v.Charges, ChargeView{OutTradeNo: o.outTradeNo, TransactionID: o.txID, MchID: o.mchID,
				Mode: modeName(o.mode), Amount: o.amount, RefundedAmount: o.refunded, State: st, PaidAt: o.paidText})
		}
		out = append(out, v)
	}
	return out
}

// Orders returns every order the channels know.
func (s *Sim) Orders() []OrderView {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []OrderView
	for _, o := range s.sortedOrders() {
		out = append(out, OrderView{Channel: o.ch.cfg.Name, OutTradeNo: o.outTradeNo, Mode: modeName(o.mode),
			TradeState: o.state, Amount: o.amount, RefundedAmount: o.refunded, AuthCode: wallet.MaskCode(o.authCode)})
	}
	return out
}

func (s *Sim) sortedOrders() []*order {
	os := make([]*order, 0, len(s.orders))
	for _, o := range s.orders {
		os = append(os, o)
	}
	sort.Slice(os, func(i, j int) bool {
		if os[i].ch.cfg.Name != os[j].ch.cfg.Name {
			return os[i].ch.cfg.Name < os[j].ch.cfg.Name
		}
		return os[i].outTradeNo < os[j].outTradeNo
	})
	return os
}

func modeName(m string) string {
	switch m {
	case wallet.TradeMicropay:
		return "micropay"
	case wallet.TradeNative:
		return "native"
	}
	return ""
}

// Scan pays a native order by a payer's scan of its code_url. It returns the
// order's numbers, or a message when the order is expired, closed, reversed,
// already paid, unknown, or the payer refuses.
func (s *Sim) Scan(codeURL, payerCode string) (outTradeNo, txID, refusal string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.byCode[codeURL]
	if o == nil {
		return "", "", "code_url: unknown"
	}
	p := s.payerOf(o.ch, payerCode)
	switch {
	case o.state != wallet.StateNotPay:
		return "", "", "order is " + o.state
	case !s.now().Before(o.expiresAt):
		return "", "", "order expired"
	case p == nil:
		return "", "", "payer: no payer of this channel has that code"
	case p.behavior == "insufficient" || !s.pay(o, p):
		return "", "", "payer refuses: balance too low"
	}
	s.notifyPaid(o)
	return o.outTradeNo, o.txID, ""
}

// AdminHandler serves the admin API: GET /accounts, GET /orders, POST /scan,
// POST /faults, GET /stats.
func (s *Sim) AdminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /accounts", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, s.Accounts()) })
	mux.HandleFunc("GET /orders", func(w http.ResponseWriter, r *http.Request) {
		os := s.Orders()
		if os == nil {
			os = []OrderView{}
		}
		writeJSON(w, 200, os)
	})
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, s.Stats()) })
	mux.HandleFunc("POST /bill/alter", s.serveAlterBill)
	mux.HandleFunc("POST /scan", func(w http.ResponseWriter, r *http.Request) {
		var b struct {
			CodeURL string `json:"code_url"`
			Payer   string `json:"payer"`
		}
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&b); err != nil {
			writeError(w, 400, "invalid", "body: want {\"code_url\": …, \"payer\": …}")
			return
		}
		no, tx, refusal := s.Scan(b.CodeURL, b.Payer)
		if refusal != "" {
			writeError(w, 409, "conflict", refusal)
			return
		}
		writeJSON(w, 200, map[string]string{"out_trade_no": no, "transaction_id": tx})
	})
	mux.HandleFunc("POST /faults", func(w http.ResponseWriter, r *http.Request) {
		var b struct {
			Spec string `json:"spec"`
		}
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&b); err != nil {
			writeError(w, 400, "invalid", "body: want {\"spec\": \"…\"}")
			return
		}
		if err := s.SetFaults(b.Spec); err != nil {
			writeError(w, 400, "invalid", err.Error())
			return
		}
		writeJSON(w, 200, map[string]string{"spec": b.Spec})
	})
	return mux
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": msg}})
}
