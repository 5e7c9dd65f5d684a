package terminal

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/iso8583"
)

// FormatError is a complete frame whose message is malformed: a field that
// runs past the end, a bad BCD digit, a length over a field's maximum, a
// missing mandatory field or an unknown combination of MTI, 3, 25 and 60.
// It carries whatever of MTI, 11, 41 and 42 could be read, so the gateway
// can answer 30 (BuildFormatError) or, when Answerable is false, close the
// connection. Its text never holds card data.
type FormatError struct {
	MTI        string // "" if unreadable
	STAN       string // 11
	TerminalID string // 41
	MerchantID string // 42
	// Err is a *posguard.Error with code EINVALID, wrapping the
	// *iso8583.FieldError that names the field when there is one.
	Err error
}

// Error returns e.g. "terminal: format error: field 3: bad BCD digit 0xA".
func (e *FormatError) Error() string { return "terminal: format error: " + e.Err.Error() }

// Unwrap returns the underlying error (a *posguard.Error).
func (e *FormatError) Unwrap() error { return e.Err }

// Answerable reports whether the error can be answered with 30: the MTI
// is a request MTI (third digit even) and 11 and 41 were read. Otherwise
// the connection is to be closed.
func (e *FormatError) Answerable() bool {
	return isRequestMTI(e.MTI) && e.STAN != "" && e.TerminalID != ""
}

func isRequestMTI(mti string) bool {
	return len(mti) == 4 && allDigits(mti) && (mti[2]-'0')%2 == 0
}

// ResponseMTI returns the MTI of the answer to mti (request MTI + 10), or
// "" when mti is not a request MTI.
func ResponseMTI(mti string) string {
	if !isRequestMTI(mti) {
		return ""
	}
	return mti[:2] + string(mti[2]+1) + mti[3:]
}

// formatError builds a *FormatError from cause and the partial message m
// (which may be nil).
func formatError(m *iso8583.Message, cause error) *FormatError {
	e := &FormatError{Err: posguard.WrapError(posguard.EINVALID, cause, "terminal: request")}
	if m != nil {
		e.MTI = m.MTI
		e.STAN = m.Get(fSTAN)
		e.TerminalID = m.Get(fTID)
		e.MerchantID = m.Get(fMID)
	}
	return e
}

// DecodeRequest unpacks f.Body with the CUPS profile and maps it to a
// posguard.TerminalRequest. The type comes from MTI, 3, 25, 60.1 and 60.3
// (spec §3); every field the message type requires must be present except
// 64, whose absence only clears HasMAC (the switch answers A0).
//
// On a malformed message it returns a *FormatError (with the partial
// message when the MTI could be read). The request holds copies: f's
// buffer may be reused once DecodeRequest returns. ReceivedAt is left for
// the caller to set. The message comes from iso8583's pool: a caller done
// with it may give it back with iso8583.ReleaseMessage.
func DecodeRequest(f *Frame) (*posguard.TerminalRequest, *iso8583.Message, error) {
	m, err := CUPS.UnpackPooled(f.Body)
	if err != nil {
		return nil, m, formatError(m, err)
	}
	typ, reverses, f60, err := classify(m)
	if err != nil {
		return nil, m, formatError(m, err)
	}
	for _, n := range mandatory(typ) {
		if !m.Has(n) {
			return nil, m, formatError(m, subErr(n, 0, "missing (mandatory in "+string(typ)+")"))
		}
	}
	req := &posguard.TerminalRequest{
		MTI:        m.MTI,
		Type:       typ,
		TerminalID: m.Get(fTID),
		MerchantID: m.Get(fMID),
		STAN:       m.Get(fSTAN),
		Batch:      f60.Batch,
		NetMgmt:    f60.NetMgmt,
		Field60:    m.Get(fField60),
		ProcCode:   m.Get(fProcCode),
		Currency:   m.Get(fCurrency),
		Expiry:     m.Get(fExpiry),
		EntryMode:  m.Get(fEntryMode),
		CondCode:   m.Get(fCondCode),
		PINCapture: m.Get(fPINCapture),
		PINBlock:   m.GetBytes(fPINBlock),
		SecControl: m.Get(fSecControl),
		Track2:     m.Get(fTrack2),
		Track3:     m.Get(fTrack3),
		RRN:        m.Get(fRRN),
		AuthCode:   m.Get(fAuthCode),
		ReasonCode: m.Get(fRespCode),
		Reverses:   reverses,
		ICC:        m.GetBytes(fICC),
		Totals:     m.Get(fTotals),
		MAC:        m.GetBytes(fMAC),
	}
	if req.NetMgmt == "" && isFinancial(typ) {
		req.NetMgmt = "000"
	}
	if m.Has(fAmount) {
		v, _ := strconv.ParseInt(m.Get(fAmount), 10, 64) // 12 digits, checked by the codec
		req.Amount, req.HasAmount = posguard.Amount(v), true
	}
	cardData(m, req)
	if needsCard(typ) && req.PAN == "" {
		return nil, m, formatError(m, subErr(fPAN, 0, "missing, and no PAN readable in field 35"))
	}
	if m.Has(fField61) {
		f61, err := ParseField61(m.Get(fField61))
		if err != nil {
			return nil, m, formatError(m, err)
		}
		req.OrigBatch, req.OrigSTAN, req.OrigDate = f61.OrigBatch, f61.OrigSTAN, f61.OrigDate
	}
	if typ == posguard.TxnBatchUpload && req.Totals != "" {
		recs, err := ParseUploadRecords(req.Totals)
		if err != nil {
			return nil, m, formatError(m, err)
		}
		// Field 48 of an upload holds card numbers: it is not kept as
		// evidence text.
		req.Uploads, req.Totals = recs, ""
	}
	if typ == posguard.TxnSettlement {
		st, err := ParseField48(req.Totals)
		if err != nil {
			return nil, m, formatError(m, err)
		}
		req.SettleTotals = st.Totals
	}
	if m.Has(fField63) {
		if f63, err := ParseField63(m.Get(fField63)); err == nil {
			req.Operator = f63.First
		}
	}
	if start, _, ok := m.Span(fMAC); ok {
		req.HasMAC = true
		req.MACData = append([]byte(nil), f.Body[:start]...)
	}
	req.ContentHash = ContentHash(m)
	return req, m, nil
}

// cardData sets PAN and expiry from fields 2 and 14, or from track 2 when
// they are absent (digits before the D separator, and the four digits
// after it). A track whose PAN part is not all digits (encrypted with the
// TDK) gives no PAN.
func cardData(m *iso8583.Message, req *posguard.TerminalRequest) {
	if m.Has(fPAN) {
		req.PAN = posguard.PAN(m.Get(fPAN))
	}
	t2 := req.Track2
	sep := strings.IndexByte(t2, 'D')
	if sep < 0 {
		return
	}
	if req.PAN == "" && sep >= 12 && sep <= 19 && allDigits(t2[:sep]) {
		req.PAN = posguard.PAN(t2[:sep])
	}
	if req.Expiry == "" && len(t2) >= sep+5 && allDigits(t2[sep+1:sep+5]) {
		req.Expiry = t2[sep+1 : sep+5]
	}
}

// ContentHash returns the hex SHA-256 that identifies a request's content
// for idempotency: over the MTI, then for every present field except 12,
// 13 and 64, in ascending order, the field number (2 bytes big-endian),
// the value's length (4 bytes big-endian) and the value as decoded.
func ContentHash(m *iso8583.Message) string {
	h := sha256.New()
	h.Write([]byte(m.MTI))
	var hdr [6]byte
	for _, n := range m.Fields() {
		if n == fLocalTime || n == fLocalDate || n == fMAC {
			continue
		}
		v := m.Get(n)
		binary.BigEndian.PutUint16(hdr[:2], uint16(n))
		binary.BigEndian.PutUint32(hdr[2:], uint32(len(v)))
		h.Write(hdr[:])
		h.Write([]byte(v))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// IsFormatError reports whether err is (or wraps) a *FormatError and
// returns it.
func IsFormatError(err error) (*FormatError, bool) {
	var fe *FormatError
	ok := errors.As(err, &fe)
	return fe, ok
}

// route is one row of the transaction table (spec §3). An empty Proc or
// Cond means the field is not looked at; Proc matches on its first two
// digits (the transaction type; the account-type digits vary).
type route struct {
	MTI, Proc, Cond, Type60 string
	NetMgmt                 []string // allowed 60.3 values; "" matches an absent 60.3
	Type                    posguard.TxnType
}

var financial60 = []string{"000", ""}

// routes is the transaction table of spec §3. A reversal (0400) carries
// its original's 3, 25 and 60.1, matched against the financial rows.
var routes = []route{
	{MTI: "0800", Type60: "00", NetMgmt: []string{posguard.KeyScheme001, posguard.KeyScheme003, posguard.KeyScheme004}, Type: posguard.TxnSignOn},
	{MTI: "0820", Type60: "00", NetMgmt: []string{"002"}, Type: posguard.TxnSignOff},
	{MTI: "0820", Type60: "00", NetMgmt: []string{"301"}, Type: posguard.TxnEcho},
	{MTI: "0200", Proc: "31", Cond: "00", Type60: "01", NetMgmt: financial60, Type: posguard.TxnInquiry},
	{MTI: "0200", Proc: "00", Cond: "00", Type60: "22", NetMgmt: financial60, Type: posguard.TxnSale},
	{MTI: "0200", Proc: "20", Cond: "00", Type60: "23", NetMgmt: financial60, Type: posguard.TxnVoid},
	{MTI: "0220", Proc: "20", Cond: "00", Type60: "25", NetMgmt: financial60, Type: posguard.TxnRefund},
	{MTI: "0100", Proc: "03", Cond: "06", Type60: "10", NetMgmt: financial60, Type: posguard.TxnPreAuth},
	{MTI: "0100", Proc: "20", Cond: "06", Type60: "11", NetMgmt: financial60, Type: posguard.TxnPreAuthCancel},
	{MTI: "0200", Proc: "00", Cond: "06", Type60: "20", NetMgmt: financial60, Type: posguard.TxnCompletion},
	{MTI: "0200", Proc: "20", Cond: "06", Type60: "21", NetMgmt: financial60, Type: posguard.TxnCompletionVoid},
	{MTI: "0500", Type60: "00", NetMgmt: []string{"201"}, Type: posguard.TxnSettlement},
	{MTI: "0320", Type60: "00", NetMgmt: []string{"201", "202", "203", "204", "205", "206", "207", "208", "209"}, Type: posguard.TxnBatchUpload},
}

// classify finds the transaction type of m and, for a reversal (0400), the
// type of the transaction it reverses.
func classify(m *iso8583.Message) (typ, reverses posguard.TxnType, f60 Field60, err error) {
	if !m.Has(fField60) {
		return "", "", Field60{}, subErr(fField60, 0, "missing")
	}
	f60, err = ParseField60(m.Get(fField60))
	if err != nil {
		return "", "", f60, err
	}
	mti := m.MTI
	reversal := mti == "0400"
	proc, cond := m.Get(fProcCode), m.Get(fCondCode)
	for _, r := range routes {
		if reversal {
			if r.Proc == "" {
				continue // a reversal matches the financial rows only
			}
		} else if r.MTI != mti {
			continue
		}
		if r.Proc != "" && (len(proc) < 2 || proc[:2] != r.Proc) {
			continue
		}
		if r.Cond != "" && cond != r.Cond {
			continue
		}
		if f60.Type != r.Type60 || !contains(r.NetMgmt, f60.NetMgmt) {
			continue
		}
		if reversal {
			return posguard.TxnReversal, r.Type, f60, nil
		}
		return r.Type, "", f60, nil
	}
	reason := "no transaction for MTI " + mti + ", 3 " + orDash(proc) + ", 25 " + orDash(cond) +
		", 60.1 " + f60.Type + ", 60.3 " + orDash(f60.NetMgmt)
	return "", "", f60, subErr(fField60, 0, reason)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// isFinancial reports whether t is a financial (money-related) message,
// whose 60.3 is 000.
func isFinancial(t posguard.TxnType) bool {
	return t.MovesMoney() || t == posguard.TxnInquiry || t == posguard.TxnReversal
}

// needsCard reports whether t must carry a PAN (in 2 or track 2).
func needsCard(t posguard.TxnType) bool {
	return isFinancial(t) && t != posguard.TxnReversal
}

// mandatory lists the fields t must carry (spec §3, "Fields per
// message"), without 64 (a missing MAC is answered A0, not 30) and
// without card data (2 or 35), checked on its own.
func mandatory(t posguard.TxnType) []int {
	switch t {
	case posguard.TxnSale, posguard.TxnPreAuth, posguard.TxnCompletion:
		return []int{fProcCode, fAmount, fSTAN, fEntryMode, fCondCode, fTID, fMID, fCurrency, fField60}
	case posguard.TxnInquiry:
		return []int{fProcCode, fSTAN, fEntryMode, fCondCode, fTID, fMID, fCurrency, fField60}
	case posguard.TxnVoid, posguard.TxnCompletionVoid:
		return []int{fProcCode, fAmount, fSTAN, fEntryMode, fCondCode, fRRN, fAuthCode, fTID, fMID, fCurrency, fField60, fField61}
	case posguard.TxnPreAuthCancel:
		return []int{fProcCode, fAmount, fSTAN, fEntryMode, fCondCode, fAuthCode, fTID, fMID, fCurrency, fField60, fField61}
	case posguard.TxnRefund:
		return []int{fProcCode, fAmount, fSTAN, fEntryMode, fCondCode, fRRN, fTID, fMID, fCurrency, fField60, fField61}
	case posguard.TxnReversal:
		return []int{fProcCode, fAmount, fSTAN, fEntryMode, fCondCode, fRespCode, fTID, fMID, fCurrency, fField60}
	case posguard.TxnSettlement:
		return []int{fSTAN, fTID, fMID, fTotals, fCurrency, fField60}
	default: // sign-on, sign-off, echo, batch upload
		return []int{fSTAN, fTID, fMID, fField60}
	}
}
