package simwallet

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/posguard/posguard/wallet"
)

// BillAlteration makes the channel's records show one of the differences
// reconciliation of the day bill must find (POST /bill/alter):
//
//   - "charge": the channel takes the order's amount from payer (a payer's
//     code) for out_trade_no, an order it holds unpaid (PAYERROR,
//     USERPAYING, NOTPAY, CLOSED), as if the payment had gone through: a
//     PAY row, and a query answers SUCCESS (交易失败却扣款).
//   - "drop": the order's PAY rows are left out of the bills; the money
//     stays taken.
//   - "amount": the order's PAY row shows amount instead of the order's.
type BillAlteration struct {
	OutTradeNo string `json:"out_trade_no"`
	Action     string `json:"action"`
	Payer      string `json:"payer,omitempty"`
	Amount     int64  `json:"amount,omitempty"`
}

// AlterBill applies a; an error says why it cannot.
func (s *Sim) AlterBill(a BillAlteration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var o *order
	for _, x := range s.orders {
		if x.outTradeNo == a.OutTradeNo && x.mode != "" {
			o = x
		}
	}
	if o == nil {
		return fmt.Errorf("out_trade_no %q: no such order", a.OutTradeNo)
	}
	switch a.Action {
	case "charge":
		switch o.state {
		case wallet.StatePayError, wallet.StateUserPaying, wallet.StateNotPay, wallet.StateClosed:
		default:
			return fmt.Errorf("order is %s, not unpaid", o.state)
		}
		p := s.payerOf(o.ch, a.Payer)
		if p == nil {
			return fmt.Errorf("payer: no payer of this channel has code %q", a.Payer)
		}
		o.pending = 0
		if !s.pay(o, p) {
			return fmt.Errorf("payer: balance too low")
		}
		return nil
	case "drop", "amount":
		if a.Action == "amount" && !wallet.ValidAmount(a.Amount) {
			return fmt.Errorf("amount: want 1 to 10000000000 fen")
		}
		n := 0
		var kept billBook
		s.bill.each(func(r *billRow) bool {
			if r.OutTradeNo == o.outTradeNo && r.AppID == o.ch.cfg.AppID && r.Type == wallet.BillPay {
				n++
				if a.Action == "drop" {
					return true
				}
				r.Amount = a.Amount
			}
			kept.add(*r)
			return true
		})
		s.bill = kept
		if n == 0 {
			return fmt.Errorf("out_trade_no %q: no PAY row", a.OutTradeNo)
		}
		return nil
	}
	return fmt.Errorf("action %q: want charge, drop or amount", a.Action)
}

// serveAlterBill serves POST /bill/alter.
func (s *Sim) serveAlterBill(w http.ResponseWriter, r *http.Request) {
	var a BillAlteration
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&a); err != nil {
		writeError(w, 400, "invalid", "body: want {\"out_trade_no\": …, \"action\": \"charge\"|\"drop\"|\"amount\", …}")
		return
	}
	if err := s.AlterBill(a); err != nil {
		writeError(w, 409, "conflict", err.Error())
		return
	}
	writeJSON(w, 200, a)
}
