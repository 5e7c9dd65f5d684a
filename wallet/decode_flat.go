package wallet

import "github.com/posguard/posguard/flatjson"

// flatDecoder is an answer read without reflection: decodeFlat sets the
// fields of b, a body that is one flat JSON object, exactly as
// json.Unmarshal would (the others keep their values), and reports false,
// leaving the answer as it was, for anything else (the caller then decodes
// b with encoding/json). The answers the host reads
// on every order (micropay, query, reverse, close) have one.
type flatDecoder interface {
	decodeFlat(b []byte) bool
}

// member reads s's current member into r when it is one of the fields
// every answer carries; false when encoding/json must decide.
func (r *Result) member(s *flatjson.Scanner) bool {
	var ok bool
	switch string(s.Key()) {
	case "return_code":
		r.ReturnCode, ok = s.String()
	case "result_code":
		r.ResultCode, ok = s.String()
	case "err_code":
		r.ErrCode, ok = s.String()
	case "err_msg":
		r.ErrMsg, ok = s.String()
	case "app_id":
		r.AppID, ok = s.String()
	case "mch_id":
		r.MchID, ok = s.String()
	case "nonce":
		r.Nonce, ok = s.String()
	case "timestamp":
		r.Timestamp, ok = s.Int64()
	case "out_trade_no":
		r.OutTradeNo, ok = s.String()
	case "out_refund_no":
		r.OutRefundNo, ok = s.String()
	default:
		ok = true // a field the answer does not have: skipped, as encoding/json does
	}
	return ok
}

func (a *MicropayAnswer) decodeFlat(b []byte) bool {
	v := *a
	s := flatjson.NewScanner(b)
	for s.Next() {
		var ok bool
		switch string(s.Key()) {
		case "transaction_id":
			v.TransactionID, ok = s.String()
		case "amount":
			v.Amount, ok = s.Int64()
		case "paid_at":
			v.PaidAt, ok = s.String()
		case "trade_state":
			v.TradeState, ok = s.String()
		default:
			ok = v.Result.member(&s)
		}
		if !ok {
			return false
		}
	}
	if !s.Done() {
		return false
	}
	*a = v
	return true
}

func (a *QueryAnswer) decodeFlat(b []byte) bool {
	v := *a
	s := flatjson.NewScanner(b)
	for s.Next() {
		var ok bool
		switch string(s.Key()) {
		case "trade_type":
			v.TradeType, ok = s.String()
		case "trade_state":
			v.TradeState, ok = s.String()
		case "amount":
			v.Amount, ok = s.Int64()
		case "trade_state_desc":
			v.TradeStateDesc, ok = s.String()
		case "transaction_id":
			v.TransactionID, ok = s.String()
		case "paid_at":
			v.PaidAt, ok = s.String()
		case "refunded_amount":
			v.RefundedAmount, ok = s.Int64()
		default:
			ok = v.Result.member(&s)
		}
		if !ok {
			return false
		}
	}
	if !s.Done() {
		return false
	}
	*a = v
	return true
}

func (a *ReverseAnswer) decodeFlat(b []byte) bool {
	v := *a
	s := flatjson.NewScanner(b)
	for s.Next() {
		var ok bool
		if string(s.Key()) == "recall" {
			v.Recall, ok = s.String()
		} else {
			ok = v.Result.member(&s)
		}
		if !ok {
			return false
		}
	}
	if !s.Done() {
		return false
	}
	*a = v
	return true
}

func (a *CloseAnswer) decodeFlat(b []byte) bool {
	v := *a
	s := flatjson.NewScanner(b)
	for s.Next() {
		if !v.Result.member(&s) {
			return false
		}
	}
	if !s.Done() {
		return false
	}
	*a = v
	return true
}
