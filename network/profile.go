package network

import "github.com/posguard/posguard/iso8583"

// Field numbers of the upstream profile that the mapping uses by name.
const (
	fPAN          = 2
	fProcCode     = 3
	fAmount       = 4
	fTransmission = 7
	fSTAN         = 11
	fLocalTime    = 12
	fLocalDate    = 13
	fExpiry       = 14
	fMCC          = 18
	fEntryMode    = 22
	fCondCode     = 25
	fAcquirer     = 32
	fTrack2       = 35
	fRRN          = 37
	fAuthCode     = 38
	fResponseCode = 39
	fTerminalID   = 41
	fMerchantID   = 42
	fAddlResponse = 44
	fCurrency     = 49
	fPINBlock     = 52
	fBalance      = 54
	fICC          = 55
	fNetMgmt      = 70
	fOriginal     = 90
)

// NetMgmtEcho is field 70 of an echo test (0800/0810).
const NetMgmtEcho = "301"

// Field constructors for the table below: numeric and track values are
// ASCII digits, length prefixes ASCII digits.
func fixedN(name string, n int) *iso8583.Field {
	return &iso8583.Field{Name: name, Kind: iso8583.N, Max: n, Enc: iso8583.ASCII}
}

func varN(name string, max, prefix int) *iso8583.Field {
	return &iso8583.Field{Name: name, Kind: iso8583.N, Max: max, Prefix: prefix, PrefixEnc: iso8583.ASCII, Enc: iso8583.ASCII}
}

func fixedAN(name string, n int) *iso8583.Field {
	return &iso8583.Field{Name: name, Kind: iso8583.AN, Max: n}
}

func varAN(name string, max, prefix int) *iso8583.Field {
	return &iso8583.Field{Name: name, Kind: iso8583.AN, Max: max, Prefix: prefix, PrefixEnc: iso8583.ASCII}
}

// Spec87 is the generic ISO 8583:1987 host-to-host profile of the upstream
// link (spec/network-link.md): MTI as 4 ASCII digits, binary bitmaps,
// numeric fields as ASCII digits zero-padded left, LLVAR/LLLVAR prefixes as
// ASCII digits. Wireshark's ISO 8583 dissector reads it with an ASCII
// charset and a binary bitmap.
var Spec87 = &iso8583.Spec{
	Name:   "iso8583-1987-ascii",
	MTIEnc: iso8583.ASCII,
	Fields: [129]*iso8583.Field{
		fPAN:          varN("primary account number", 19, 2),
		fProcCode:     fixedN("processing code", 6),
		fAmount:       fixedN("amount, transaction", 12),
		fTransmission: fixedN("transmission date and time MMDDhhmmss UTC", 10),
		fSTAN:         fixedN("system trace audit number", 6),
		fLocalTime:    fixedN("local transaction time hhmmss", 6),
		fLocalDate:    fixedN("local transaction date MMDD", 4),
		fExpiry:       fixedN("expiration date YYMM", 4),
		fMCC:          fixedN("merchant category code", 4),
		fEntryMode:    fixedN("POS entry mode", 3),
		fCondCode:     fixedN("POS condition code", 2),
		fAcquirer:     varN("acquiring institution id", 11, 2),
		fTrack2: {Name: "track 2 data", Kind: iso8583.Z, Max: 37, Prefix: 2,
			PrefixEnc: iso8583.ASCII, Enc: iso8583.ASCII},
		fRRN:          fixedAN("retrieval reference number", 12),
		fAuthCode:     fixedAN("authorization id response", 6),
		fResponseCode: fixedAN("response code", 2),
		fTerminalID:   fixedAN("card acceptor terminal id", 8),
		fMerchantID:   fixedAN("card acceptor id code", 15),
		fAddlResponse: varAN("additional response data", 25, 2),
		fCurrency:     fixedAN("currency code, transaction", 3),
		fPINBlock:     {Name: "PIN data", Kind: iso8583.B, Max: 8},
		fBalance:      varAN("additional amounts", 120, 3),
		fICC:          {Name: "ICC system related data", Kind: iso8583.B, Max: 255, Prefix: 3, PrefixEnc: iso8583.ASCII},
		fNetMgmt:      fixedN("network management information code", 3),
		fOriginal:     fixedN("original data elements", 42),
	},
}
