package simnet

import (
	"crypto/sha256"

	"github.com/posguard/posguard/iso8583"
)

// issuerICC is the issuer's answer data (field 55 of the response) to an
// IC request whose field 55 is icc, answered with code:
//
//   - 91 issuer authentication data: ARPC (8 bytes) + the response code
//     (2 ASCII characters). simnet holds no card keys, so its ARPC is the
//     first 8 bytes of SHA-256(ARQC ‖ response code), ARQC being the
//     request's 9F26 (empty when absent): deterministic, and checkable by
//     a test that knows the ARQC it sent;
//   - 8A authorization response code (ASCII);
//   - on an approval, 72 issuer script template 2: script id 9F18 and one
//     command 86 (PUT DATA of the card's lower consecutive offline limit,
//     04 DA 9F 58 01 03, with a zero 4-byte MAC), as issuers send after an
//     online approval to reset offline counters.
//
// A request whose 55 does not parse gets 8A only.
func issuerICC(icc []byte, code string) []byte {
	arc := []byte(code)
	var arqc []byte
	items, err := iso8583.ParseTLV(icc)
	if err != nil {
		return iso8583.AppendTLV(nil, iso8583.TLV{Tag: iso8583.TagAuthRespCode, Value: arc})
	}
	if t, ok := iso8583.FindTLV(items, 0x9F26); ok {
		arqc = t.Value
	}
	out := iso8583.AppendTLV(nil,
		iso8583.TLV{Tag: iso8583.TagIssuerAuthData, Value: append(ARPC(arqc, code), arc...)},
		iso8583.TLV{Tag: iso8583.TagAuthRespCode, Value: arc})
	if code == codeApproved {
		out = iso8583.AppendTLV(out, iso8583.TLV{Tag: iso8583.TagScript2, Children: []iso8583.TLV{
			{Tag: 0x9F18, Value: []byte{0x00, 0x00, 0x00, 0x01}},
			{Tag: 0x86, Value: []byte{0x04, 0xDA, 0x9F, 0x58, 0x05, 0x03, 0x00, 0x00, 0x00, 0x00}},
		}})
	}
	return out
}

// ARPC is simnet's authorization response cryptogram for an ARQC answered
// with code (see issuerICC).
func ARPC(arqc []byte, code string) []byte {
	h := sha256.New()
	h.Write(arqc)
	h.Write([]byte(code))
	return h.Sum(nil)[:8]
}
