package terminal

import (
	"encoding/hex"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/iso8583"
)

// FormatErrorCode is field 39 of the answer to a malformed request.
const FormatErrorCode = "30"

// macLen is the size of field 64.
const macLen = 8

// echoFields are the request fields a financial or settlement answer
// repeats when the request carried them (spec §3, response column).
var echoFields = []int{fPAN, fProcCode, fAmount, fSTAN, fExpiry, fEntryMode, fCondCode, fTID, fMID, fCurrency, fField60}

// signOnEcho are the request fields a 0810 repeats.
var signOnEcho = []int{fSTAN, fTID, fMID, fField60}

// BuildResponse returns the answer to reqMsg (decoded as req, which may be
// nil) without field 64: MTI + 10; the request's 2, 3, 4, 11, 14, 22, 25,
// 41, 42, 49 and 60 echoed when present (a 0810 echoes only 11, 41, 42
// and 60); 60.2 replaced by resp.Batch when set; then 12, 13, 15, 32, 37,
// 38, 39, 44, 48 (from Answer.Settlement), 54, 55 (Answer.ICC) and 63 (63.1 card
// organisation) from resp.Answer when non-empty, and 62 (resp.DeliverKeys: Terminal's working keys under its TMK,
// EncodeField62). A 0810 carries only 12, 13, 32, 37, 39
// and 62 of these. Sign it with SignResponse or SetMAC. The message comes
// from iso8583's pool: a caller done with it may give it back with
// iso8583.ReleaseMessage.
func BuildResponse(req *posguard.TerminalRequest, reqMsg *iso8583.Message, resp *posguard.TerminalResponse) *iso8583.Message {
	mti := ResponseMTI(reqMsg.MTI)
	if mti == "" {
		mti = reqMsg.MTI
	}
	m := iso8583.AcquireMessage(mti)
	signOn := reqMsg.MTI == "0800"
	echo := echoFields
	if signOn {
		echo = signOnEcho
	}
	for _, n := range echo {
		if reqMsg.Has(n) {
			m.Set(n, reqMsg.Get(n))
		}
	}
	if resp == nil {
		return m
	}
	if resp.Batch != "" {
		f60 := reqMsg.Get(fField60)
		if req != nil && req.Field60 != "" {
			f60 = req.Field60
		}
		m.Set(fField60, WithBatch(f60, resp.Batch))
	}
	a := resp.Answer
	set := func(n int, v string) {
		if v != "" {
			m.Set(n, v)
		}
	}
	set(fLocalTime, a.LocalTime)
	set(fLocalDate, a.LocalDate)
	set(fAcquirer, a.AcquirerID)
	set(fRRN, a.RRN)
	set(fRespCode, a.Code)
	if resp.DeliverKeys && resp.Terminal != nil {
		t := resp.Terminal
		f62, err := EncodeField62(t.TMK, t.KeyScheme, t.Keys)
		if err != nil {
			// The switch checked the TMK and generated the keys for the
			// scheme, so this is a defect: no keys, and a host fault.
			m.Set(fRespCode, posguard.ReasonCode(posguard.ReasonHostFault))
		} else {
			m.SetBytes(fField62, f62)
		}
	}
	if signOn {
		return m
	}
	set(fSettleDate, a.SettleDate)
	set(fAuthCode, a.AuthCode)
	set(fAddlResp, a.AddlResponse)
	if a.Settlement != nil {
		set(fTotals, SettlementOf(*a.Settlement).String())
	} else {
		set(fTotals, a.Totals) // an answer journaled before SettlementResult
	}
	set(fBalance, a.Balance)
	if icc, err := hex.DecodeString(a.ICC); err == nil && len(icc) > 0 {
		m.SetBytes(fICC, icc)
	}
	if a.CardOrg != "" {
		m.Set(fField63, Field63{First: a.CardOrg}.String())
	}
	return m
}

// BuildFormatError returns the 30 answer to a malformed request: MTI + 10
// with 11, 41 and 42 as far as they were read, and 39 = 30. It returns nil
// when e is not Answerable (the connection is then to be closed).
func BuildFormatError(e *FormatError) *iso8583.Message {
	if e == nil || !e.Answerable() {
		return nil
	}
	m := iso8583.NewMessage(ResponseMTI(e.MTI))
	m.Set(fSTAN, e.STAN)
	m.Set(fTID, e.TerminalID)
	if e.MerchantID != "" {
		m.Set(fMID, e.MerchantID)
	}
	m.Set(fRespCode, FormatErrorCode)
	return m
}

// SetMAC sets field 64 of m to mac.
func SetMAC(m *iso8583.Message, mac []byte) { m.SetBytes(fMAC, mac) }

// MACInput returns the bytes of a packed CUPS message body that its MAC
// covers: packed without its last 8 bytes when the bitmap has field 64
// (the profile has no field after 64), packed itself otherwise. It returns
// nil when packed is too short to hold an MTI and bitmap.
func MACInput(packed []byte) []byte {
	if len(packed) < 10 {
		return nil
	}
	if packed[9]&0x01 == 0 || len(packed) < 10+macLen {
		return packed
	}
	return packed[:len(packed)-macLen]
}

// SignResponse packs m with a MAC: field 64 is set to a placeholder, the
// message packed, mac computes the MAC over MACInput, and the result is
// written into field 64 of both the packed bytes and m. mac returns the 8
// bytes of field 64 (keys.MAC with the terminal's algorithm and MAK).
func SignResponse(m *iso8583.Message, mac func(data []byte) ([]byte, error)) ([]byte, error) {
	return AppendSignedResponse(make([]byte, 0, 256), m, mac)
}

// macPlaceholder is field 64 while a response is packed for its MAC.
const macPlaceholder = "\x00\x00\x00\x00\x00\x00\x00\x00"

// AppendSignedResponse is SignResponse appending the packed message to dst;
// on error it returns nil.
func AppendSignedResponse(dst []byte, m *iso8583.Message, mac func(data []byte) ([]byte, error)) ([]byte, error) {
	m.Set(fMAC, macPlaceholder)
	start := len(dst)
	dst, err := CUPS.AppendPack(dst, m)
	if err != nil {
		return nil, err
	}
	sum, err := mac(MACInput(dst[start:]))
	if err != nil {
		return nil, err
	}
	if len(sum) != macLen {
		return nil, subErr(fMAC, 0, "MAC function returned the wrong length")
	}
	copy(dst[len(dst)-macLen:], sum)
	SetMAC(m, sum)
	return dst, nil
}
