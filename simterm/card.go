package simterm

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/iso8583"
)

// Card is a card as presented at a terminal: how it is read and the PIN the
// cardholder types. The zero PIN means no PIN entered.
type Card struct {
	PAN    posguard.PAN
	Expiry string // YYMM
	// PIN is the PIN the cardholder enters; "" for none (22 = 022 or 052).
	PIN string
	// IC reads the chip (22 = 05x, field 23 and field 55) instead of the
	// magnetic stripe (22 = 02x).
	IC bool
}

// CardOf returns the card of a world file, swiped, with its PIN entered.
func CardOf(c posguard.Card) Card {
	return Card{PAN: c.PAN, Expiry: c.Expiry, PIN: c.PIN}
}

// String masks the PAN.
func (c Card) String() string { return c.PAN.String() }

// entryMode returns field 22: 021/022 swipe, 051/052 IC, with/without PIN.
func (c Card) entryMode() string {
	m := "02"
	if c.IC {
		m = "05"
	}
	if c.PIN != "" {
		return m + "1"
	}
	return m + "2"
}

// serviceCode is the track 2 service code of every simulated card: 201
// (international, IC, normal authorization; PIN on the terminal's choice).
const serviceCode = "201"

// track2 returns the track 2 equivalent data: PAN, 'D', expiry, service
// code and discretionary digits derived from the PAN, at most 37 digits.
func (c Card) track2() string {
	pan := c.PAN.Reveal()
	t := pan + "D" + c.Expiry + serviceCode
	room := 37 - len(t)
	if room <= 0 {
		return t[:37]
	}
	h := fnv.New32a()
	h.Write([]byte(pan))
	disc := fmt.Sprintf("%010d", h.Sum32())
	if room > len(disc) {
		room = len(disc)
	}
	return t + disc[:room]
}

// icc returns a small BER-TLV field 55 of an ARQC: cryptogram, cryptogram
// information, issuer application data, unpredictable number, ATC, TVR,
// transaction date, type, amount, currency, AIP, country and terminal
// capabilities. The cryptogram is derived from the PAN and the STAN, not
// computed with issuer keys: the simulated network does not check it.
func icc(pan posguard.PAN, amount posguard.Amount, stan, yymmdd string, txnType byte) []byte {
	h := fnv.New64a()
	h.Write([]byte(pan.Reveal()))
	h.Write([]byte(stan))
	arqc := binary.BigEndian.AppendUint64(nil, h.Sum64())
	un := arqc[2:6]
	atc := []byte{arqc[6], arqc[7]}
	amt := bcd(fmt.Sprintf("%012d", int64(amount)))
	return iso8583.AppendTLV(nil,
		iso8583.TLV{Tag: 0x9F26, Value: arqc},
		iso8583.TLV{Tag: 0x9F27, Value: []byte{0x80}},
		iso8583.TLV{Tag: 0x9F10, Value: []byte{0x07, 0x01, 0x01, 0x03, 0xA0, 0x00, 0x00}},
		iso8583.TLV{Tag: 0x9F37, Value: un},
		iso8583.TLV{Tag: 0x9F36, Value: atc},
		iso8583.TLV{Tag: 0x95, Value: []byte{0, 0, 0, 0, 0}},
		iso8583.TLV{Tag: 0x9A, Value: bcd(yymmdd)},
		iso8583.TLV{Tag: 0x9C, Value: []byte{txnType}},
		iso8583.TLV{Tag: 0x9F02, Value: amt},
		iso8583.TLV{Tag: 0x5F2A, Value: []byte{0x01, 0x56}},
		iso8583.TLV{Tag: 0x82, Value: []byte{0x7C, 0x00}},
		iso8583.TLV{Tag: 0x9F1A, Value: []byte{0x01, 0x56}},
		iso8583.TLV{Tag: 0x9F33, Value: []byte{0xE0, 0xE1, 0xC8}},
	)
}

// bcd packs an even number of decimal digits.
func bcd(digits string) []byte {
	out := make([]byte, len(digits)/2)
	for i := range out {
		out[i] = (digits[2*i]-'0')<<4 | (digits[2*i+1] - '0')
	}
	return out
}
