package terminal

import "github.com/posguard/posguard/iso8583"

// Field numbers of the terminal profile used by name in this package.
const (
	fPAN        = 2
	fProcCode   = 3
	fAmount     = 4
	fSTAN       = 11
	fLocalTime  = 12
	fLocalDate  = 13
	fExpiry     = 14
	fSettleDate = 15
	fEntryMode  = 22
	fCardSeq    = 23
	fCondCode   = 25
	fPINCapture = 26
	fAcquirer   = 32
	fTrack2     = 35
	fTrack3     = 36
	fRRN        = 37
	fAuthCode   = 38
	fRespCode   = 39
	fTID        = 41
	fMID        = 42
	fAddlResp   = 44
	fTotals     = 48
	fCurrency   = 49
	fPINBlock   = 52
	fSecControl = 53
	fBalance    = 54
	fICC        = 55
	fField60    = 60
	fField61    = 61
	fField62    = 62
	fField63    = 63
	fMAC        = 64
)

// Constructors for the field table: n/z values are packed BCD with BCD
// length prefixes (LL in 1 byte, LLL in 2) counting digits; an/ans/b
// values are bytes with BCD prefixes counting bytes.
func fixedN(name string, digits int) *iso8583.Field {
	return &iso8583.Field{Name: name, Kind: iso8583.N, Max: digits, Enc: iso8583.BCD}
}

func varN(name string, max, prefix int) *iso8583.Field {
	return &iso8583.Field{Name: name, Kind: iso8583.N, Max: max, Prefix: prefix, PrefixEnc: iso8583.BCD, Enc: iso8583.BCD}
}

func varZ(name string, max, prefix int) *iso8583.Field {
	return &iso8583.Field{Name: name, Kind: iso8583.Z, Max: max, Prefix: prefix, PrefixEnc: iso8583.BCD, Enc: iso8583.BCD}
}

func fixedAN(name string, n int) *iso8583.Field {
	return &iso8583.Field{Name: name, Kind: iso8583.AN, Max: n, Enc: iso8583.ASCII}
}

func varAN(name string, max, prefix int) *iso8583.Field {
	return &iso8583.Field{Name: name, Kind: iso8583.AN, Max: max, Prefix: prefix, PrefixEnc: iso8583.BCD, Enc: iso8583.ASCII}
}

func fixedB(name string, n int) *iso8583.Field {
	return &iso8583.Field{Name: name, Kind: iso8583.B, Max: n, Enc: iso8583.Binary}
}

func varB(name string, max, prefix int) *iso8583.Field {
	return &iso8583.Field{Name: name, Kind: iso8583.B, Max: max, Prefix: prefix, PrefixEnc: iso8583.BCD, Enc: iso8583.Binary}
}

// CUPS is the terminal profile of spec/terminal-8583.md §2: MTI in BCD and
// every field a UnionPay style POS terminal sends or receives. Any field of
// the table is accepted in any message. Fields 33 (forwarding institution)
// and 57–59 (vendor data) are included so terminals that send them are not
// refused. Treat it as read-only.
var CUPS = func() *iso8583.Spec {
	s := &iso8583.Spec{Name: "cups-terminal", MTIEnc: iso8583.BCD}
	f := &s.Fields
	f[fPAN] = varN("primary account number", 19, 2)
	f[fProcCode] = fixedN("processing code", 6)
	f[fAmount] = fixedN("amount, fen", 12)
	f[fSTAN] = fixedN("system trace audit number", 6)
	f[fLocalTime] = fixedN("local time hhmmss", 6)
	f[fLocalDate] = fixedN("local date MMDD", 4)
	f[fExpiry] = fixedN("card expiry YYMM", 4)
	f[fSettleDate] = fixedN("settlement date MMDD", 4)
	f[fEntryMode] = fixedN("POS entry mode", 3) // left-aligned: trailing pad nibble
	f[fCardSeq] = &iso8583.Field{Name: "card sequence number", Kind: iso8583.N, Max: 3, Enc: iso8583.BCD, RightAlign: true}
	f[fCondCode] = fixedN("POS condition code", 2)
	f[fPINCapture] = fixedN("PIN capture code", 2)
	f[fAcquirer] = varN("acquiring institution id", 11, 2)
	f[33] = varN("forwarding institution id", 11, 2)
	f[fTrack2] = varZ("track 2", 37, 2)
	f[fTrack3] = varZ("track 3", 104, 3)
	f[fRRN] = fixedAN("retrieval reference number", 12)
	f[fAuthCode] = fixedAN("authorization code", 6)
	f[fRespCode] = fixedAN("response code", 2)
	f[fTID] = fixedAN("terminal id", 8)
	f[fMID] = fixedAN("merchant id", 15)
	f[fAddlResp] = varAN("additional response data", 25, 2)
	f[fTotals] = varN("additional data (settlement totals)", 322, 3)
	f[fCurrency] = fixedAN("currency", 3)
	f[fPINBlock] = fixedB("PIN block", 8)
	f[fSecControl] = fixedN("security control", 16)
	f[fBalance] = varAN("balance", 20, 3)
	f[fICC] = varB("ICC data", 255, 3)
	f[57] = varB("vendor data 57", 999, 3)
	f[58] = varB("vendor data 58", 999, 3)
	f[59] = varB("vendor data 59", 999, 3)
	f[fField60] = varN("reserved private 60", 17, 3)
	f[fField61] = varN("original message data", 29, 3)
	f[fField62] = varB("reserved private 62", 512, 3)
	f[fField63] = varAN("reserved private 63", 163, 3)
	f[fMAC] = fixedB("MAC", 8)
	return s
}()

// FieldName returns the profile's name of field n, or "" when the profile
// has no such field.
func FieldName(n int) string {
	if n < 0 || n > 128 || CUPS.Fields[n] == nil {
		return ""
	}
	return CUPS.Fields[n].Name
}
