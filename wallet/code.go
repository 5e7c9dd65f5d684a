package wallet

import (
	"log/slog"

	posguard "github.com/posguard/posguard"
)

// Kind is the kind of a wallet channel.
type Kind string

// The channel kinds of the spec (§1).
const (
	KindWeChat   Kind = "wechat"
	KindAlipay   Kind = "alipay"
	KindUnionPay Kind = "unionpay"
)

// Valid reports whether k is one of the spec's kinds.
func (k Kind) Valid() bool {
	return k == KindWeChat || k == KindAlipay || k == KindUnionPay
}

// Reasons for orders refused before any channel call (spec §4.6).
const (
	ReasonCodeUnknown          = "qr.code_unknown"
	ReasonChannelNotConfigured = "qr.channel_not_configured"
)

// AuthCode is a customer's payment code (付款码). It is a bearer secret: its
// String, GoString and LogValue show only the first 6 and last 4 digits.
type AuthCode string

// String masks the code 6+4.
func (c AuthCode) String() string { return posguard.MaskPAN(string(c)) }

// GoString masks the code 6+4 (for %#v).
func (c AuthCode) GoString() string { return `"` + posguard.MaskPAN(string(c)) + `"` }

// LogValue masks the code in structured logs.
func (c AuthCode) LogValue() slog.Value { return slog.StringValue(posguard.MaskPAN(string(c))) }

// MaskCode returns code masked 6+4 (134567********6789).
func MaskCode(code string) string { return posguard.MaskPAN(code) }

// KindOf returns the channel kind a payment code belongs to by its length and
// first two digits (spec §1). A code that is not all ASCII digits, or whose
// length or prefix is in no row of the table, is unknown: the error has code
// EINVALID and message starting with qr.code_unknown.
func KindOf(code string) (Kind, error) {
	n := len(code)
	for i := 0; i < n; i++ {
		if code[i] < '0' || code[i] > '9' {
			return "", posguard.Errorf(posguard.EINVALID, "%s: payment code is not all digits", ReasonCodeUnknown)
		}
	}
	if n >= 2 {
		p := int(code[0]-'0')*10 + int(code[1]-'0')
		switch {
		case n == 18 && p >= 10 && p <= 15:
			return KindWeChat, nil
		case n >= 16 && n <= 24 && p >= 25 && p <= 30:
			return KindAlipay, nil
		case n == 19 && p == 62:
			return KindUnionPay, nil
		}
	}
	return "", posguard.Errorf(posguard.EINVALID, "%s: payment code %s matches no channel", ReasonCodeUnknown, MaskCode(code))
}

// Route returns the first channel in channels whose kind is that of code
// (spec §1). It fails with qr.code_unknown (EINVALID) or
// qr.channel_not_configured (EUNAVAILABLE); no channel is called either way.
func Route(code string, channels []Channel) (Channel, error) {
	k, err := KindOf(code)
	if err != nil {
		return Channel{}, err
	}
	for _, ch := range channels {
		if ch.Kind == k {
			return ch, nil
		}
	}
	return Channel{}, posguard.Errorf(posguard.EUNAVAILABLE, "%s: no %s channel configured", ReasonChannelNotConfigured, k)
}
