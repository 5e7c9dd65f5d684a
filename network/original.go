package network

import (
	"strings"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/iso8583"
)

// OriginalLen is the length of field 90 (original data elements): original
// MTI 4 + STAN 6 + transmission date-time 10 + acquirer id 11 + forwarding
// institution id 11.
const OriginalLen = 42

// FormatOriginal returns field 90 for o: the MTI (4 digits), STAN (6),
// transmission date-time (10), then the acquirer and forwarding
// institution ids, each zero-padded left to 11 digits (an empty id is all
// zeros). Returns EINVALID, naming field 90, if a part is not digits of the
// right length.
func FormatOriginal(o *posguard.OriginalData) (string, error) {
	bad := func(reason string) error {
		return posguard.WrapError(posguard.EINVALID, &iso8583.FieldError{Field: fOriginal, Reason: reason}, "network: encode original data")
	}
	switch {
	case !isDigits(o.MTI, 4):
		return "", bad("original MTI must be 4 digits")
	case !isDigits(o.STAN, 6):
		return "", bad("original STAN must be 6 digits")
	case !isDigits(o.Time, 10):
		return "", bad("original transmission time must be 10 digits")
	case len(o.AcquirerID) > 11 || !isDigits(o.AcquirerID, len(o.AcquirerID)):
		return "", bad("acquirer id must be at most 11 digits")
	case len(o.ForwardingID) > 11 || !isDigits(o.ForwardingID, len(o.ForwardingID)):
		return "", bad("forwarding id must be at most 11 digits")
	}
	var b strings.Builder
	b.Grow(OriginalLen)
	b.WriteString(o.MTI)
	b.WriteString(o.STAN)
	b.WriteString(o.Time)
	b.WriteString(strings.Repeat("0", 11-len(o.AcquirerID)))
	b.WriteString(o.AcquirerID)
	b.WriteString(strings.Repeat("0", 11-len(o.ForwardingID)))
	b.WriteString(o.ForwardingID)
	return b.String(), nil
}

// ParseOriginal reads field 90. The institution ids lose their leading
// zeros ("00048021000" reads as "48021000", all zeros as ""), so ids are
// compared in that normal form. Returns EINVALID, naming field 90, if v is
// not 42 digits.
func ParseOriginal(v string) (*posguard.OriginalData, error) {
	if !isDigits(v, OriginalLen) {
		return nil, posguard.WrapError(posguard.EINVALID, &iso8583.FieldError{Field: fOriginal, Reason: "must be 42 digits"}, "network: decode original data")
	}
	return &posguard.OriginalData{
		MTI:          v[0:4],
		STAN:         v[4:10],
		Time:         v[10:20],
		AcquirerID:   strings.TrimLeft(v[20:31], "0"),
		ForwardingID: strings.TrimLeft(v[31:42], "0"),
	}, nil
}
