package clearing

import (
	"github.com/posguard/posguard"
)

// RecordLen is the length of a clearing record before its CR LF: 34 fields,
// each followed by one space (spec/clearing-file.md §2.1).
const RecordLen = 300

// Field types of the clearing layout (§2.2).
const (
	typN  = 'n' // digits, zeros on the left
	typAN = 'a' // printable ASCII, spaces on the right
	typS  = 's' // C or D then 11 digits
	typDT = 'd' // MMDDhhmmss
)

// fieldSpec is one field of the clearing record: its number (from 1), its
// English name as errors show it, its width and type. Offsets follow from
// the order (each field is followed by a separator space).
type fieldSpec struct {
	num   int
	name  string
	width int
	typ   byte
	off   int // 0-based start in the record; set by init
}

// layout is the clearing record, field by field (§2.3). Field specs are
// data: the reader and the writer both walk this table.
var layout = []fieldSpec{
	{num: 1, name: "acquirer institution id", width: 11, typ: typAN},
	{num: 2, name: "sending institution id", width: 11, typ: typAN},
	{num: 3, name: "trace number", width: 6, typ: typN},
	{num: 4, name: "transmit date-time", width: 10, typ: typDT},
	{num: 5, name: "card number", width: 19, typ: typAN},
	{num: 6, name: "amount", width: 12, typ: typN},
	{num: 7, name: "partially approved amount", width: 12, typ: typN},
	{num: 8, name: "cardholder fee", width: 12, typ: typS},
	{num: 9, name: "message type", width: 4, typ: typN},
	{num: 10, name: "processing code", width: 6, typ: typN},
	{num: 11, name: "merchant category code", width: 4, typ: typN},
	{num: 12, name: "terminal id", width: 8, typ: typAN},
	{num: 13, name: "merchant id", width: 15, typ: typAN},
	{num: 14, name: "retrieval reference number", width: 12, typ: typAN},
	{num: 15, name: "POS condition code", width: 2, typ: typN},
	{num: 16, name: "authorization code", width: 6, typ: typAN},
	{num: 17, name: "receiving institution id", width: 11, typ: typAN},
	{num: 18, name: "original trace number", width: 6, typ: typN},
	{num: 19, name: "response code", width: 2, typ: typAN},
	{num: 20, name: "POS entry mode", width: 3, typ: typN},
	{num: 21, name: "fee receivable by the acquirer", width: 12, typ: typS},
	{num: 22, name: "fee payable by the acquirer", width: 12, typ: typS},
	{num: 23, name: "switching fee", width: 12, typ: typS},
	{num: 24, name: "single/dual message flag", width: 1, typ: typAN},
	{num: 25, name: "card sequence number", width: 3, typ: typN},
	{num: 26, name: "terminal read capability", width: 1, typ: typN},
	{num: 27, name: "IC condition code", width: 1, typ: typN},
	{num: 28, name: "original transmit date-time", width: 10, typ: typDT},
	{num: 29, name: "issuer institution id", width: 11, typ: typAN},
	{num: 30, name: "region flag", width: 1, typ: typAN},
	{num: 31, name: "terminal type", width: 2, typ: typN},
	{num: 32, name: "e-commerce indicator", width: 2, typ: typN},
	{num: 33, name: "instalment surcharge", width: 12, typ: typS},
	{num: 34, name: "other information", width: 14, typ: typAN},
}

func init() {
	off := 0
	for i := range layout {
		layout[i].off = off
		off += layout[i].width + 1
	}
	if off != RecordLen {
		panic("recon: clearing layout is not 300 bytes")
	}
}

// Kind is a clearing line's kind (§2.4).
type Kind string

// Clearing kinds.
const (
	KindSale             Kind = "sale"
	KindCompletion       Kind = "completion"
	KindVoid             Kind = "void"
	KindCompletionVoid   Kind = "completion_void"
	KindRefund           Kind = "refund"
	KindCreditAdjustment Kind = "credit_adjustment"
)

// kindCode is the file's fields 9, 10 and 15 of a kind.
type kindCode struct{ mti, proc, cond string }

var kindCodes = map[Kind]kindCode{
	KindSale:             {"0200", "000000", "00"},
	KindCompletion:       {"0200", "000000", "06"},
	KindVoid:             {"0200", "200000", "00"},
	KindCompletionVoid:   {"0200", "200000", "06"},
	KindRefund:           {"0220", "200000", "00"},
	KindCreditAdjustment: {"0220", "220000", "00"},
}

// MTIOf returns the message type (field 9) of a kind's lines.
func MTIOf(k Kind) string { return kindCodes[k].mti }

// kindOf returns the kind of fields 9, 10 and 15, "" for another combination.
func kindOf(mti, proc, cond string) Kind {
	for k, c := range kindCodes {
		if c.mti == mti && c.proc == proc && c.cond == cond {
			return k
		}
	}
	return ""
}

// Debit reports whether the kind moves money from the cardholder.
func (k Kind) Debit() bool { return k == KindSale || k == KindCompletion }

// KindOfTxn returns the clearing kind of a journal transaction type, "" for a
// type that never appears in a clearing file.
func KindOfTxn(t posguard.TxnType) Kind {
	switch t {
	case posguard.TxnSale:
		return KindSale
	case posguard.TxnCompletion:
		return KindCompletion
	case posguard.TxnVoid:
		return KindVoid
	case posguard.TxnCompletionVoid:
		return KindCompletionVoid
	case posguard.TxnRefund:
		return KindRefund
	case posguard.TxnCreditAdjustment:
		return KindCreditAdjustment
	}
	return ""
}

// Line is one parsed clearing record. It never holds the full card number:
// Card is masked 6 + 4 as in the journal.
type Line struct {
	No          int    // physical line number in the file, from 1
	Acquirer    string // field 1
	Trace       string // field 3: the upstream STAN
	Transmitted string // field 4: MMDDhhmmss UTC
	Card        string // field 5, masked
	Amount      posguard.Amount
	Partial     posguard.Amount // field 7; when non-zero it is the cleared amount
	Kind        Kind            // from fields 9, 10, 15
	MCC         string
	Terminal    string // field 12
	Merchant    string // field 13
	RRN         string // field 14
	AuthCode    string
	Issuer      string // field 17
	OrigTrace   string // field 18, "000000" for none
	EntryMode   string
	// Fees: fields 21, 22, 23 as signed fen, C positive (the acquirer
	// receives), D negative.
	FeeReceivable, FeePayable, FeeSwitching int64
	OrigTime                                string // field 28, "0000000000" for none
}

// Cleared returns the amount the line clears: field 7 when non-zero, else 6.
func (l *Line) Cleared() posguard.Amount {
	if l.Partial != 0 {
		return l.Partial
	}
	return l.Amount
}

// Fees returns the line's net fee for the acquirer (fields 21 to 23).
func (l *Line) Fees() int64 { return l.FeeReceivable + l.FeePayable + l.FeeSwitching }

// Key returns the line's matching key.
func (l *Line) Key() Key { return Key{RRN: l.RRN, Terminal: l.Terminal, Merchant: l.Merchant} }

// Key identifies a transaction or a clearing line: RRN, terminal id and
// merchant id (fields 37, 41, 42).
type Key struct{ RRN, Terminal, Merchant string }
