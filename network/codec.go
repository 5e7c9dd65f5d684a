package network

import (
	"strconv"
	"strings"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/iso8583"
)

// EncodeRequest maps req to a Spec87 message. Empty fields are left out;
// field 4 is sent on every message except network management (08xx) and a
// balance inquiry (processing code 31xxxx) without an amount; an 08xx
// message gets field 70 = 301 (echo). Returns EINVALID if the MTI is not 4
// digits, the amount is negative or the original data (90) cannot be
// formatted. Field formats are checked when the message is packed. The
// message comes from iso8583's pool: a caller done with it may give it back
// with iso8583.ReleaseMessage.
func EncodeRequest(req *posguard.UpstreamRequest) (*iso8583.Message, error) {
	if req == nil {
		return nil, posguard.Errorf(posguard.EINVALID, "network: nil request")
	}
	if !isDigits(req.MTI, 4) {
		return nil, posguard.WrapError(posguard.EINVALID, &iso8583.FieldError{Field: 0, Reason: "MTI must be 4 digits"}, "network: encode request")
	}
	if req.Amount < 0 {
		return nil, posguard.WrapError(posguard.EINVALID, &iso8583.FieldError{Field: fAmount, Reason: "negative amount"}, "network: encode request")
	}
	m := iso8583.AcquireMessage(req.MTI)
	set(m, fPAN, req.PAN.Reveal())
	set(m, fProcCode, req.ProcCode)
	if sendsAmount(req) {
		m.Set(fAmount, formatAmount(req.Amount))
	}
	set(m, fTransmission, req.Time)
	set(m, fSTAN, req.STAN)
	set(m, fLocalTime, req.LocalTime)
	set(m, fLocalDate, req.LocalDate)
	set(m, fExpiry, req.Expiry)
	set(m, fMCC, req.MCC)
	set(m, fEntryMode, req.EntryMode)
	set(m, fCondCode, req.CondCode)
	set(m, fAcquirer, req.AcquirerID)
	if req.PAN == "" {
		// Track 2 goes upstream only when it is the only source of the card
		// number: with PAN (2) and expiry (14) there, it is left out, so the
		// stock Wireshark dissector (binary bitmap) can read every 0200; it
		// cannot read a field of type z in that mode (docs/network.md).
		set(m, fTrack2, req.Track2)
	}
	set(m, fRRN, req.RRN)
	set(m, fAuthCode, req.AuthCode)
	set(m, fResponseCode, req.ReasonCode)
	set(m, fTerminalID, req.TerminalID)
	set(m, fMerchantID, req.MerchantID)
	set(m, fCurrency, req.Currency)
	if len(req.PINBlock) > 0 {
		m.SetBytes(fPINBlock, req.PINBlock)
	}
	if len(req.ICC) > 0 {
		m.SetBytes(fICC, req.ICC)
	}
	if mtiClass(req.MTI) == "080" {
		m.Set(fNetMgmt, NetMgmtEcho)
	}
	if req.Original != nil {
		v, err := FormatOriginal(req.Original)
		if err != nil {
			return nil, err
		}
		m.Set(fOriginal, v)
	}
	return m, nil
}

// DecodeRequest maps a Spec87 request message to the domain request. It
// copies the fields as they are (a PAN only in track 2 stays there), less
// the trailing spaces that pad short fixed text fields (37, 38, 41, 42). Returns
// EINVALID, wrapping an *iso8583.FieldError naming the field, if the MTI,
// field 11 or field 7 is missing or malformed, or field 4 or 90 cannot be
// read.
func DecodeRequest(m *iso8583.Message) (*posguard.UpstreamRequest, error) {
	if err := checkHeader(m, fSTAN, fTransmission); err != nil {
		return nil, posguard.WrapError(posguard.EINVALID, err, "network: decode request")
	}
	req := &posguard.UpstreamRequest{
		MTI:        m.MTI,
		ProcCode:   m.Get(fProcCode),
		PAN:        posguard.PAN(m.Get(fPAN)),
		Expiry:     m.Get(fExpiry),
		Currency:   m.Get(fCurrency),
		STAN:       m.Get(fSTAN),
		Time:       m.Get(fTransmission),
		LocalTime:  m.Get(fLocalTime),
		LocalDate:  m.Get(fLocalDate),
		MCC:        m.Get(fMCC),
		EntryMode:  m.Get(fEntryMode),
		CondCode:   m.Get(fCondCode),
		AcquirerID: m.Get(fAcquirer),
		Track2:     m.Get(fTrack2),
		RRN:        trimPad(m.Get(fRRN)),
		AuthCode:   trimPad(m.Get(fAuthCode)),
		ReasonCode: m.Get(fResponseCode),
		TerminalID: trimPad(m.Get(fTerminalID)),
		MerchantID: trimPad(m.Get(fMerchantID)),
		PINBlock:   getBytes(m, fPINBlock),
		ICC:        getBytes(m, fICC),
	}
	if m.Has(fAmount) {
		a, err := parseAmount(m.Get(fAmount))
		if err != nil {
			return nil, posguard.WrapError(posguard.EINVALID, err, "network: decode request")
		}
		req.Amount = a
	}
	if m.Has(fOriginal) {
		o, err := ParseOriginal(m.Get(fOriginal))
		if err != nil {
			return nil, err
		}
		req.Original = o
	}
	return req, nil
}

// EncodeResponse maps resp to a Spec87 answer message: 39 always, and 4
// (when HasAmount), 7, 11, 32, 37, 38, 41, 44 (IssuerID), 54 and 55 when
// set. Returns EINVALID if the MTI is not 4 digits, the response code is
// not 2 characters or the amount is negative.
func EncodeResponse(resp *posguard.UpstreamResponse) (*iso8583.Message, error) {
	if resp == nil {
		return nil, posguard.Errorf(posguard.EINVALID, "network: nil response")
	}
	if !isDigits(resp.MTI, 4) {
		return nil, posguard.WrapError(posguard.EINVALID, &iso8583.FieldError{Field: 0, Reason: "MTI must be 4 digits"}, "network: encode response")
	}
	if len(resp.Code) != 2 {
		return nil, posguard.WrapError(posguard.EINVALID, &iso8583.FieldError{Field: fResponseCode, Reason: "must be 2 characters"}, "network: encode response")
	}
	m := iso8583.NewMessage(resp.MTI)
	if resp.HasAmount {
		if resp.Amount < 0 {
			return nil, posguard.WrapError(posguard.EINVALID, &iso8583.FieldError{Field: fAmount, Reason: "negative amount"}, "network: encode response")
		}
		m.Set(fAmount, formatAmount(resp.Amount))
	}
	set(m, fTransmission, resp.Time)
	set(m, fSTAN, resp.STAN)
	set(m, fAcquirer, resp.AcquirerID)
	set(m, fRRN, resp.RRN)
	set(m, fAuthCode, resp.AuthCode)
	m.Set(fResponseCode, resp.Code)
	set(m, fTerminalID, resp.TerminalID)
	set(m, fAddlResponse, resp.IssuerID)
	set(m, fBalance, resp.Balance)
	if len(resp.ICC) > 0 {
		m.SetBytes(fICC, resp.ICC)
	}
	return m, nil
}

// DecodeResponse maps a Spec87 answer message to the domain response
// (Received is left for the caller to set). Returns EINVALID, wrapping an
// *iso8583.FieldError naming the field, if the MTI, field 11, 7 or 39 is
// missing or malformed, or field 4 cannot be read.
func DecodeResponse(m *iso8583.Message) (*posguard.UpstreamResponse, error) {
	if err := checkHeader(m, fSTAN, fTransmission, fResponseCode); err != nil {
		return nil, posguard.WrapError(posguard.EINVALID, err, "network: decode response")
	}
	resp := &posguard.UpstreamResponse{
		MTI:        m.MTI,
		Code:       m.Get(fResponseCode),
		AuthCode:   trimPad(m.Get(fAuthCode)),
		RRN:        trimPad(m.Get(fRRN)),
		STAN:       m.Get(fSTAN),
		Time:       m.Get(fTransmission),
		AcquirerID: m.Get(fAcquirer),
		TerminalID: trimPad(m.Get(fTerminalID)),
		Balance:    m.Get(fBalance),
		IssuerID:   strings.TrimSpace(m.Get(fAddlResponse)),
		ICC:        getBytes(m, fICC),
	}
	if len(resp.Code) != 2 {
		return nil, posguard.WrapError(posguard.EINVALID, &iso8583.FieldError{Field: fResponseCode, Reason: "must be 2 characters"}, "network: decode response")
	}
	if m.Has(fAmount) {
		a, err := parseAmount(m.Get(fAmount))
		if err != nil {
			return nil, posguard.WrapError(posguard.EINVALID, err, "network: decode response")
		}
		resp.Amount, resp.HasAmount = a, true
	}
	return resp, nil
}

// checkHeader checks the MTI and that the fields named are present.
func checkHeader(m *iso8583.Message, required ...int) error {
	if m == nil {
		return &iso8583.FieldError{Field: 0, Reason: "no message"}
	}
	if !isDigits(m.MTI, 4) {
		return &iso8583.FieldError{Field: 0, Reason: "MTI must be 4 digits"}
	}
	for _, n := range required {
		if !m.Has(n) {
			return &iso8583.FieldError{Field: n, Reason: "missing"}
		}
	}
	return nil
}

// sendsAmount reports whether field 4 goes on the wire for req.
func sendsAmount(req *posguard.UpstreamRequest) bool {
	if mtiClass(req.MTI) == "080" {
		return false
	}
	return req.Amount != 0 || !strings.HasPrefix(req.ProcCode, "31")
}

// getBytes returns field n's bytes, nil when absent or empty.
func getBytes(m *iso8583.Message, n int) []byte {
	if b := m.GetBytes(n); len(b) > 0 {
		return b
	}
	return nil
}

// trimPad removes the trailing spaces Pack adds to a short fixed text field.
func trimPad(s string) string { return strings.TrimRight(s, " ") }

func set(m *iso8583.Message, n int, v string) {
	if v != "" {
		m.Set(n, v)
	}
}

func formatAmount(a posguard.Amount) string {
	s := strconv.FormatInt(int64(a), 10)
	if len(s) < 12 {
		s = strings.Repeat("0", 12-len(s)) + s
	}
	return s
}

func parseAmount(s string) (posguard.Amount, error) {
	if !isDigits(s, len(s)) || len(s) == 0 || len(s) > 18 {
		return 0, &iso8583.FieldError{Field: fAmount, Reason: "not a number"}
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, &iso8583.FieldError{Field: fAmount, Reason: "not a number"}
	}
	return posguard.Amount(v), nil
}

// isDigits reports whether s is exactly n decimal digits.
func isDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
