package simwallet

import (
	"fmt"
	"time"

	"github.com/posguard/posguard/wallet"
)

// apply does what endpoint asks and returns the answer (return_code
// SUCCESS): a, the request's base fields (newAnswer), with the endpoint's
// added.
func (s *Sim) apply(ch *channel, endpoint string, q *request, a answer) answer {
	s.mu.Lock()
	defer s.mu.Unlock()
	a["return_code"] = wallet.CodeSuccess
	if endpoint != wallet.PathBill {
		a["out_trade_no"] = q.OutTradeNo
	}
	key := ch.cfg.AppID + "/" + q.OutTradeNo
	o := s.orders[key]
	switch endpoint {
	case wallet.PathMicropay:
		s.micropay(ch, key, o, q, a)
	case wallet.PathQuery:
		s.query(o, a)
	case wallet.PathReverse:
		if o == nil {
			o = &order{ch: ch, outTradeNo: q.OutTradeNo, mchID: q.MchID}
			s.orders[key] = o
		}
		if o.payer != nil && (o.state == wallet.StateSuccess || o.state == wallet.StateRefund) {
			back := o.amount - o.refunded
			o.payer.balance += back
			o.reversed = true
			if back > 0 {
				s.addBill(o, wallet.BillReverse, back, nil)
			}
		}
		o.state = wallet.StateRevoked
		ok(a)["recall"] = "N"
	case wallet.PathNative:
		s.native(ch, key, o, q, a)
	case wallet.PathClose:
		switch {
		case o == nil:
			s.orders[key] = &order{ch: ch, outTradeNo: q.OutTradeNo, mchID: q.MchID, state: wallet.StateClosed}
			ok(a)
		case o.state == wallet.StateSuccess || o.state == wallet.StateRefund:
			fail(a, wallet.ErrOrderPaid)
		case o.state == wallet.StateRevoked:
			fail(a, wallet.ErrOrderReversed)
		default:
			o.state = wallet.StateClosed
			ok(a)
		}
	case wallet.PathRefund:
		s.refund(ch, o, q, a)
	case wallet.PathRefundQuery:
		a["out_refund_no"] = q.OutRefundNo
		r := s.refunds[ch.cfg.AppID+"/"+q.OutRefundNo]
		if r == nil || r.o.outTradeNo != q.OutTradeNo {
			fail(a, wallet.ErrRefundNotExist)
			break
		}
		refundFields(ok(a), r)
	case wallet.PathBill:
		day, _ := time.ParseInLocation(time.DateOnly, q.Date, cst)
		if s.now().Before(day) {
			fail(a, wallet.ErrBillNotReady)
			break
		}
		ok(a)["date"] = q.Date
		a["bill"] = wallet.FormatBill(s.billFor(ch.cfg.AppID, q.MchID, day))
	}
	return a
}

// answerSize is how many fields an answer has at most: the request's
// app_id, mch_id and nonce, and those of a query's answer (return and
// result codes, out_trade_no, its seven fields, the timestamp). A map
// made for that many holds them all without growing, and no more.
const answerSize = 3 + 11

// newAnswer returns the fields every answer to q repeats, in a map with
// room for the rest (answerSize).
func newAnswer(q *request) answer {
	a := make(answer, answerSize)
	a["app_id"], a["mch_id"], a["nonce"] = q.AppID, q.MchID, q.Nonce
	return a
}

func ok(a answer) answer { a["result_code"] = wallet.CodeSuccess; return a }

func fail(a answer, code string) answer {
	a["result_code"], a["err_code"], a["err_msg"] = wallet.CodeFail, code, code
	return a
}

// micropay takes the money from the payer of the scanned code.
func (s *Sim) micropay(ch *channel, key string, o *order, q *request, a answer) {
	amt, _ := amount(q.Amount)
	if o != nil {
		switch {
		case o.mode == "" && o.state == wallet.StateRevoked, o.state == wallet.StateRevoked && o.mode == wallet.TradeMicropay && o.authCode == q.AuthCode && o.amount == amt:
			fail(a, wallet.ErrOrderReversed)
		case o.mode == "" && o.state == wallet.StateClosed, o.state == wallet.StateClosed && o.mode == wallet.TradeMicropay && o.authCode == q.AuthCode && o.amount == amt:
			fail(a, wallet.ErrOrderClosed)
		case o.mode != wallet.TradeMicropay || o.authCode != q.AuthCode || o.amount != amt:
			fail(a, wallet.ErrOutTradeNoUsed)
		default:
			s.micropayState(o, a)
		}
		return
	}
	o = &order{ch: ch, outTradeNo: q.OutTradeNo, mchID: q.MchID, mode: wallet.TradeMicropay,
		authCode: q.AuthCode, amount: amt, subject: q.Subject}
	s.orders[key] = o
	p := s.payerOf(ch, q.AuthCode)
	o.payer = p
	switch {
	case p == nil || p.behavior == "invalid_code":
		o.state, o.errCode = wallet.StatePayError, wallet.ErrAuthCodeInvalid
	case p.behavior == "expired_code":
		o.state, o.errCode = wallet.StatePayError, wallet.ErrAuthCodeExpire
	case p.behavior == "insufficient":
		o.state, o.errCode = wallet.StatePayError, wallet.ErrNotEnough
	case p.behavior == "userpaying":
		o.state, o.pending = wallet.StateUserPaying, p.count
	case p.behavior == "userpaying_forever":
		o.state, o.pending = wallet.StateUserPaying, -1
	default:
		if !s.pay(o, p) {
			o.state, o.errCode = wallet.StatePayError, wallet.ErrNotEnough
		}
	}
	s.micropayState(o, a)
}

// micropayState answers a micropay from the order's state.
func (s *Sim) micropayState(o *order, a answer) {
	switch o.state {
	case wallet.StateSuccess, wallet.StateRefund:
		ok(a)
		a["transaction_id"], a["amount"], a["paid_at"], a["trade_state"] = o.txID, o.amount, o.paidText, wallet.StateSuccess
	case wallet.StateUserPaying:
		fail(a, wallet.ErrUserPaying)
	case wallet.StatePayError:
		fail(a, o.errCode)
	case wallet.StateClosed:
		fail(a, wallet.ErrOrderClosed)
	default:
		fail(a, wallet.ErrOrderReversed)
	}
}

// query answers /pay/query, moving a USERPAYING order on.
func (s *Sim) query(o *order, a answer) {
	if o == nil {
		fail(a, wallet.ErrOrderNotExist)
		return
	}
	if o.state == wallet.StateUserPaying && o.pending >= 0 {
		if o.pending > 0 {
			o.pending--
		} else if !s.pay(o, o.payer) {
			o.state, o.errCode = wallet.StatePayError, wallet.ErrNotEnough
		}
	}
	ok(a)
	a["trade_state"], a["trade_state_desc"] = o.state, "simulated "+o.state
	if o.mode != "" {
		a["trade_type"], a["amount"] = o.mode, o.amount
	}
	if o.txID != "" {
		a["transaction_id"], a["paid_at"], a["refunded_amount"] = o.txID, o.paidText, o.refunded
	}
}

// native creates (or answers a repeat of) a native order.
func (s *Sim) native(ch *channel, key string, o *order, q *request, a answer) {
	amt, _ := amount(q.Amount)
	if o == nil {
		exp, _ := q.ExpireSeconds.Int64()
		o = &order{ch: ch, outTradeNo: q.OutTradeNo, mchID: q.MchID, mode: wallet.TradeNative, amount: amt,
			subject: q.Subject, state: wallet.StateNotPay, expiresAt: s.now().Add(time.Duration(exp) * time.Second)}
		o.codeURL = fmt.Sprintf("simwallet://%s/%s/%s", ch.cfg.Name, q.OutTradeNo, s.nextID("C"))
		o.notifyURL = q.NotifyURL
		s.orders[key], s.byCode[o.codeURL] = o, o
	}
	switch {
	case o.state == wallet.StateRevoked:
		fail(a, wallet.ErrOrderReversed)
	case o.state == wallet.StateClosed:
		fail(a, wallet.ErrOrderClosed)
	case o.mode != wallet.TradeNative || o.amount != amt:
		fail(a, wallet.ErrOutTradeNoUsed)
	case o.state == wallet.StateSuccess || o.state == wallet.StateRefund:
		fail(a, wallet.ErrOrderPaid)
	default:
		ok(a)
		a["code_url"], a["expires_at"] = o.codeURL, o.expiresAt.In(cst).Format(time.RFC3339)
	}
}

// refund returns money of a paid order (at once: refund_state SUCCESS).
func (s *Sim) refund(ch *channel, o *order, q *request, a answer) {
	a["out_refund_no"] = q.OutRefundNo
	amt, _ := amount(q.RefundAmount)
	rk := ch.cfg.AppID + "/" + q.OutRefundNo
	if r := s.refunds[rk]; r != nil {
		if r.o != o || r.amount != amt {
			fail(a, wallet.ErrOutRefundNoUsed)
		} else {
			refundFields(ok(a), r)
		}
		return
	}
	switch {
	case o == nil:
		fail(a, wallet.ErrOrderNotExist)
	case o.state == wallet.StateRevoked:
		fail(a, wallet.ErrOrderReversed)
	case o.state == wallet.StateClosed && o.mode == "":
		fail(a, wallet.ErrOrderClosed)
	case o.state != wallet.StateSuccess && o.state != wallet.StateRefund:
		fail(a, wallet.ErrTradeStateError)
	case o.refunded+amt > o.amount:
		fail(a, wallet.ErrRefundExceeded)
	default:
		r := &refund{o: o, outRefundNo: q.OutRefundNo, refundID: s.nextID("R"), amount: amt, state: wallet.RefundSuccess}
		s.refunds[rk] = r
		o.refunded += amt
		o.state = wallet.StateRefund
		o.payer.balance += amt
		s.addBill(o, wallet.BillRefund, amt, r)
		refundFields(ok(a), r)
	}
}

func refundFields(a answer, r *refund) {
	a["refund_id"], a["refund_amount"], a["refund_state"] = r.refundID, r.amount, r.state
}
