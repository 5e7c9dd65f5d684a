package wallet

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	posguard "github.com/posguard/posguard"
)

// MaxBody is the largest request or answer body (64 KiB); MaxBillBody the
// largest /bill answer (16 MiB).
const (
	MaxBody     = 64 << 10
	MaxBillBody = 16 << 20
)

// DecodeAnswer checks that body is a trusted answer to a request with nonce
// (and the given order numbers, when not empty) and decodes it into out, which
// must be one of the answer types. The signature sig must verify over body
// under key. Every failure is unknown (IsUnknown): the request may or may not
// have been applied.
func DecodeAnswer(key, body []byte, sig, nonce, outTradeNo, outRefundNo string, out interface{ result() *Result }) error {
	if !Verify(key, body, sig) {
		return unknown(posguard.EUNAVAILABLE, nil, "wallet channel: answer signature missing or wrong")
	}
	if err := decodeObject(body, out); err != nil {
		return unknown(posguard.EUNAVAILABLE, err, "wallet channel: answer is not a JSON object")
	}
	r := out.result()
	if r.ReturnCode != CodeSuccess && r.ReturnCode != CodeFail {
		return unknown(posguard.EUNAVAILABLE, nil, "wallet channel: answer without a return_code")
	}
	if r.Nonce != nonce {
		return unknown(posguard.EUNAVAILABLE, nil, "wallet channel: answer carries another nonce")
	}
	if r.OutTradeNo != "" && r.OutTradeNo != outTradeNo {
		return unknown(posguard.EUNAVAILABLE, nil, "wallet channel: answer names another out_trade_no")
	}
	if r.OutRefundNo != "" && r.OutRefundNo != outRefundNo {
		return unknown(posguard.EUNAVAILABLE, nil, "wallet channel: answer names another out_refund_no")
	}
	if r.ReturnCode == CodeSuccess && r.ResultCode != CodeSuccess && r.ResultCode != CodeFail {
		return unknown(posguard.EUNAVAILABLE, nil, "wallet channel: answer without a result_code")
	}
	return nil
}

// DecodeNotification verifies a channel notification (§2.6) signed sig with
// key and decodes it. A bad signature is EUNAUTHORIZED; a body that is not a
// notification of a paid native order is EINVALID.
func DecodeNotification(key, body []byte, sig string) (*Notification, error) {
	if !Verify(key, body, sig) {
		return nil, posguard.Errorf(posguard.EUNAUTHORIZED, "wallet notification: signature missing or wrong")
	}
	var n Notification
	if err := decodeObject(body, &n); err != nil {
		return nil, posguard.WrapError(posguard.EINVALID, err, "wallet notification: not a JSON object")
	}
	switch {
	case n.OutTradeNo == "" || !ValidNumber(n.OutTradeNo):
		return nil, posguard.Errorf(posguard.EINVALID, "wallet notification: out_trade_no: missing or malformed")
	case n.AppID == "" || n.MchID == "":
		return nil, posguard.Errorf(posguard.EINVALID, "wallet notification: app_id and mch_id are required")
	case n.TradeState != StateSuccess || n.TradeType != TradeNative:
		return nil, posguard.Errorf(posguard.EINVALID, "wallet notification: not a paid native order")
	case !ValidAmount(n.Amount):
		return nil, posguard.Errorf(posguard.EINVALID, "wallet notification: amount: out of range")
	}
	return &n, nil
}

// decodeObject decodes one JSON object (no BOM, nothing after it) into out.
func decodeObject(body []byte, out any) error {
	b := bytes.TrimSpace(body)
	if len(b) == 0 || b[0] != '{' {
		return errors.New("body is not a JSON object")
	}
	// A body that is one flat JSON object (every answer of a channel
	// that follows the spec) is read without reflection when out is one
	// of the answers of every order (flatDecoder), and otherwise decoded
	// in place; anything else goes through the decoder, whose answer (an
	// error, or the object with what follows it) is the rule.
	if f, ok := out.(flatDecoder); ok && f.decodeFlat(b) {
		return nil
	}
	if json.Unmarshal(b, out) == nil {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(out); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("data after the JSON object")
	}
	return nil
}

// ValidAmount reports whether fen is an amount the protocol allows (1 to 10^10).
func ValidAmount(fen int64) bool { return fen >= 1 && fen <= 10_000_000_000 }

// ValidNumber reports whether s is a valid out_trade_no or out_refund_no:
// 1 to 32 characters [0-9A-Za-z_-].
func ValidNumber(s string) bool {
	if len(s) < 1 || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
