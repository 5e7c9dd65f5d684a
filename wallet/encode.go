package wallet

import (
	"encoding/json"
	"strconv"
)

// fieldsAppender is a request whose fields are written without reflection:
// appendFields appends them as json.Marshal would write the request's
// object, without its braces (each field after a comma, the first one
// too).
type fieldsAppender interface {
	appendFields(b []byte) []byte
}

// EncodeRequest returns the body of a request: the header fields first, then
// the endpoint's fields of req. The bytes are those of json.Marshal of h
// and of req joined into one object; the header and the requests the host
// sends on every order (micropay, query, reverse, close) are written by
// hand, the others through json.Marshal.
func EncodeRequest(h Header, req any) ([]byte, error) {
	b := make([]byte, 0, 256)
	b = append(b, `{"app_id":`...)
	b = appendString(b, h.AppID)
	b = append(b, `,"mch_id":`...)
	b = appendString(b, h.MchID)
	b = append(b, `,"nonce":`...)
	b = appendString(b, h.Nonce)
	b = append(b, `,"timestamp":`...)
	b = strconv.AppendInt(b, h.Timestamp, 10)
	if f, ok := req.(fieldsAppender); ok {
		return append(f.appendFields(b), '}'), nil
	}
	rest, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	if len(rest) <= 2 {
		return append(b, '}'), nil
	}
	b = append(b, ',')
	return append(b, rest[1:]...), nil
}

// appendString appends s as a JSON string exactly as json.Marshal writes
// it: as it is when it is plain printable ASCII, through json.Marshal
// otherwise (its escapes, HTML's <, > and & among them, and invalid UTF-8
// replaced).
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c > 0x7e, c == '"', c == '\\', c == '<', c == '>', c == '&':
			q, _ := json.Marshal(s) // a string always encodes
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendOutTradeNo appends the out_trade_no field the requests below start with.
func appendOutTradeNo(b []byte, no string) []byte {
	b = append(b, `,"out_trade_no":`...)
	return appendString(b, no)
}

func (r MicropayRequest) appendFields(b []byte) []byte {
	b = appendOutTradeNo(b, r.OutTradeNo)
	b = append(b, `,"auth_code":`...)
	b = appendString(b, string(r.AuthCode))
	b = append(b, `,"amount":`...)
	b = strconv.AppendInt(b, r.Amount, 10)
	b = append(b, `,"subject":`...)
	b = appendString(b, r.Subject)
	if r.TerminalID != "" {
		b = append(b, `,"terminal_id":`...)
		b = appendString(b, r.TerminalID)
	}
	return b
}

func (r QueryRequest) appendFields(b []byte) []byte   { return appendOutTradeNo(b, r.OutTradeNo) }
func (r ReverseRequest) appendFields(b []byte) []byte { return appendOutTradeNo(b, r.OutTradeNo) }
func (r CloseRequest) appendFields(b []byte) []byte   { return appendOutTradeNo(b, r.OutTradeNo) }
