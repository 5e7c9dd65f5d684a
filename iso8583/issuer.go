package iso8583

// Tags of the issuer's answer data a POS terminal may receive in field 55
// of a financial response (UnionPay IC profile): issuer authentication
// data (ARPC and authorization response code), the authorization response
// code, and issuer script templates 1 and 2.
const (
	TagIssuerAuthData = 0x91
	TagAuthRespCode   = 0x8A
	TagScript1        = 0x71
	TagScript2        = 0x72
)

// MaxICCLen is the largest field 55 of the terminal profile (b..255).
const MaxICCLen = 255

// IssuerAnswer returns the issuer's answer data of b (field 55 of a network
// response) that may go back to the terminal: the top-level objects 91,
// 8A, 71 and 72 in their order, re-encoded; anything else (the card's own
// data echoed by a network, proprietary tags) is dropped. An empty result
// is nil. It returns a *TLVError when b is not valid BER-TLV, and when
// the objects kept would not fit field 55 (255 bytes).
func IssuerAnswer(b []byte) ([]byte, error) {
	items, err := ParseTLV(b)
	if err != nil {
		return nil, err
	}
	var out []byte
	for _, t := range items {
		switch t.Tag {
		case TagIssuerAuthData, TagAuthRespCode, TagScript1, TagScript2:
			out = AppendTLV(out, TLV{Tag: t.Tag, Value: t.Value})
		}
	}
	if len(out) > MaxICCLen {
		return nil, &TLVError{Offset: 0, Reason: "issuer data longer than field 55 allows"}
	}
	return out, nil
}
