package http

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/posguard/posguard/qr"
)

// The answer to every QR order and the audit record of every new one are
// written without reflection: appended field by field, byte for byte what
// encoding/json writes for them, when they hold what they hold on every
// order (no refunds or notifications yet, strings that need no escape).
// Anything else goes to encoding/json. Tests compare both for every field.

// appendOrderView appends v as writeJSON's encoder writes it (without
// HTML escaping, before the newline); false when v has refunds,
// notifications, an explanation or a reversal, or a string to escape.
func appendOrderView(b []byte, v *qr.OrderView) ([]byte, bool) {
	if len(v.Refunds) > 0 || len(v.Notifications) > 0 || v.Explanation != nil || v.Reversal != nil {
		return b, false
	}
	ok := true
	b = appendField(b, &ok, `{"id":`, v.ID, false)
	b = appendField(b, &ok, `,"out_order_no":`, v.OutOrderNo, false)
	b = appendField(b, &ok, `,"merchant_id":`, v.MerchantID, false)
	b = appendField(b, &ok, `,"mode":`, v.Mode, false)
	b = appendField(b, &ok, `,"channel":`, v.Channel, true)
	b = append(b, `,"amount":`...)
	b = strconv.AppendInt(b, v.Amount, 10)
	b = appendField(b, &ok, `,"amount_yuan":`, v.AmountYuan, false)
	b = appendField(b, &ok, `,"state":`, v.State, false)
	b = appendField(b, &ok, `,"reason":`, v.Reason, true)
	b = appendField(b, &ok, `,"out_trade_no":`, v.OutTradeNo, true)
	b = appendField(b, &ok, `,"transaction_id":`, v.TransactionID, true)
	b = appendField(b, &ok, `,"paid_at":`, v.PaidAt, true)
	b = appendField(b, &ok, `,"auth_code":`, v.AuthCode, true)
	b = appendField(b, &ok, `,"terminal_id":`, v.TerminalID, true)
	b = appendField(b, &ok, `,"subject":`, v.Subject, true)
	b = appendField(b, &ok, `,"notify_url":`, v.NotifyURL, true)
	b = appendField(b, &ok, `,"code_url":`, v.CodeURL, true)
	b = appendField(b, &ok, `,"expires_at":`, v.ExpiresAt, true)
	b = append(b, `,"refunded_amount":`...)
	b = strconv.AppendInt(b, v.RefundedAmount, 10)
	b = appendField(b, &ok, `,"refunded_amount_yuan":`, v.RefundedAmountYuan, false)
	if v.Refunds == nil {
		b = append(b, `,"refunds":null`...)
	} else {
		b = append(b, `,"refunds":[]`...)
	}
	b = appendField(b, &ok, `,"created_at":`, v.CreatedAt, false)
	b = appendField(b, &ok, `,"updated_at":`, v.UpdatedAt, false)
	return append(b, '}'), ok
}

// appendField appends key (with its comma and colon) and s between quotes,
// nothing when omitEmpty and s is empty; it clears *ok when s needs an
// escape (without HTML escaping).
func appendField(b []byte, ok *bool, key, s string, omitEmpty bool) []byte {
	if omitEmpty && s == "" {
		return b
	}
	if !plainJSON(s, false) {
		*ok = false
	}
	b = append(b, key...)
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendOrderChanges appends the changes of a new order's audit record,
// {"after": note, "before": null}, as json.Marshal writes them; false
// when a string of note needs an escape.
func appendOrderChanges(b []byte, note qrOrderNote) ([]byte, bool) {
	ok := plainJSON(note.ID, true) && plainJSON(note.OutOrderNo, true) && plainJSON(string(note.State), true)
	b = append(b, `{"after":{"amount":`...)
	b = strconv.AppendInt(b, int64(note.Amount), 10)
	b = append(b, `,"id":"`...)
	b = append(b, note.ID...)
	b = append(b, `","out_order_no":"`...)
	b = append(b, note.OutOrderNo...)
	b = append(b, `","state":"`...)
	b = append(b, note.State...)
	b = append(b, `"},"before":null}`...)
	return b, ok
}

// plainJSON reports whether encoding/json writes s between quotes as it
// is: no control character, quote or backslash, valid UTF-8 without
// U+2028 or U+2029 (which it escapes), and, when it escapes HTML
// (json.Marshal; writeJSON's encoder does not), no <, > or &.
func plainJSON(s string, html bool) bool {
	ascii := true
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20, c == '"', c == '\\':
			return false
		case html && (c == '<' || c == '>' || c == '&'):
			return false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return ascii || utf8.ValidString(s) && !strings.Contains(s, "\u2028") && !strings.Contains(s, "\u2029")
}
