package terminal

import (
	"fmt"
	"strconv"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/iso8583"
)

// subErr returns a *iso8583.FieldError naming subfield sub of field n
// ("field 60.2: …"); sub 0 names the whole field.
func subErr(n, sub int, reason string) *iso8583.FieldError {
	return &iso8583.FieldError{Field: n, Sub: sub, Reason: reason}
}

// allDigits reports whether s holds only decimal digits.
func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Field60 is the layout of field 60 (reserved private).
type Field60 struct {
	Type    string // 60.1 transaction type code n2
	Batch   string // 60.2 batch number n6
	NetMgmt string // 60.3 network management information code n3; "" if absent
	ReadCap string // 60.4 terminal read capability n1 (2 magstripe, 5 IC); optional
	ICCCond string // 60.5 IC condition code n1; optional
	Partial string // 60.6 partial-approval support n1; optional
}

// ParseField60 splits field 60's digits. 60.1 and 60.2 are required; 60.3
// may be absent (a terminal sending 8 digits) but not cut short; 60.4–60.6
// are taken as far as digits remain, anything after them is ignored.
// Errors are *iso8583.FieldError naming the subfield.
func ParseField60(s string) (Field60, error) {
	var f Field60
	if !allDigits(s) {
		return f, subErr(fField60, 0, "not all digits")
	}
	switch {
	case len(s) < 2:
		return f, subErr(fField60, 1, "missing")
	case len(s) < 8:
		return f, subErr(fField60, 2, "length "+strconv.Itoa(len(s)-2)+", want 6 digits")
	case len(s) > 8 && len(s) < 11:
		return f, subErr(fField60, 3, "length "+strconv.Itoa(len(s)-8)+", want 3 digits")
	}
	f.Type, f.Batch = s[0:2], s[2:8]
	if len(s) >= 11 {
		f.NetMgmt = s[8:11]
	}
	opt := []*string{&f.ReadCap, &f.ICCCond, &f.Partial}
	for i, p := range opt {
		if len(s) > 11+i {
			*p = s[11+i : 12+i]
		}
	}
	return f, nil
}

// String returns the field's digits: 60.1, 60.2, 60.3 (000 when empty and
// an optional subfield follows), then the optional subfields present, a
// missing one before a present one written as 0.
func (f Field60) String() string {
	s := f.Type + f.Batch
	opt := []string{f.ReadCap, f.ICCCond, f.Partial}
	last := -1
	for i, v := range opt {
		if v != "" {
			last = i
		}
	}
	if f.NetMgmt == "" && last < 0 {
		return s
	}
	if f.NetMgmt == "" {
		s += "000"
	} else {
		s += f.NetMgmt
	}
	for i := 0; i <= last; i++ {
		if opt[i] == "" {
			s += "0"
		} else {
			s += opt[i]
		}
	}
	return s
}

// WithBatch returns field 60's digits f60 with 60.2 replaced by batch (six
// digits). A field too short to hold 60.2 becomes 60.1 (or 00) + batch.
func WithBatch(f60, batch string) string {
	if len(f60) >= 8 {
		return f60[:2] + batch + f60[8:]
	}
	if len(f60) >= 2 {
		return f60[:2] + batch
	}
	return "00" + batch
}

// Field61 is the layout of field 61 (original message data).
type Field61 struct {
	OrigBatch string // 61.1 n6
	OrigSTAN  string // 61.2 n6
	OrigDate  string // 61.3 MMDD
}

// ParseField61 splits field 61's digits. Subfields are read as far as the
// digits go (6, 12 or 16 and more; what follows 61.3 is ignored); a
// subfield cut short is an error naming it.
func ParseField61(s string) (Field61, error) {
	var f Field61
	if !allDigits(s) {
		return f, subErr(fField61, 0, "not all digits")
	}
	parts := []struct {
		dst  *string
		size int
	}{{&f.OrigBatch, 6}, {&f.OrigSTAN, 6}, {&f.OrigDate, 4}}
	off := 0
	for i, p := range parts {
		if len(s) == off {
			break
		}
		if len(s) < off+p.size {
			return f, subErr(fField61, i+1, "length "+strconv.Itoa(len(s)-off)+", want "+strconv.Itoa(p.size)+" digits")
		}
		*p.dst = s[off : off+p.size]
		off += p.size
	}
	return f, nil
}

// String returns the 16 digits of field 61, empty subfields written as
// zeros.
func (f Field61) String() string {
	return padDigits(f.OrigBatch, 6) + padDigits(f.OrigSTAN, 6) + padDigits(f.OrigDate, 4)
}

// padDigits left-pads s with zeros to n characters.
func padDigits(s string, n int) string {
	for len(s) < n {
		s = "0" + s
	}
	return s
}

// Result digits of field 48 (the last digit of each group).
const (
	ResultNone       = '0' // in a request
	ResultBalanced   = '1' // the host's totals agree
	ResultUnbalanced = '2' // they do not
)

// Settlement is field 48 of a batch settlement (0500) and its answer: the
// domestic and foreign totals and each group's result digit (ResultNone in
// a request, ResultBalanced or ResultUnbalanced in the answer).
type Settlement struct {
	Totals                        posguard.BatchTotals
	DomesticResult, ForeignResult byte
}

// ParseField48 reads the settlement totals: the domestic group (31 digits:
// debit amount n12, debit count n3, credit amount n12, credit count n3,
// result n1) and, when present, the foreign group of the same layout.
// Digits after the 62nd are ignored.
func ParseField48(s string) (Settlement, error) {
	var st Settlement
	if len(s) != 31 && len(s) < 62 {
		return st, subErr(fTotals, 0, "length "+strconv.Itoa(len(s))+", want 31 or 62 digits")
	}
	if !allDigits(s) {
		return st, subErr(fTotals, 0, "not all digits")
	}
	num := func(from, to int) int64 {
		var v int64
		for i := from; i < to; i++ {
			v = v*10 + int64(s[i]-'0')
		}
		return v
	}
	t := &st.Totals
	t.DomesticDebitAmount = posguard.Amount(num(0, 12))
	t.DomesticDebitCount = int(num(12, 15))
	t.DomesticCreditAmount = posguard.Amount(num(15, 27))
	t.DomesticCreditCount = int(num(27, 30))
	st.DomesticResult = s[30]
	st.ForeignResult = '0'
	if len(s) >= 62 {
		t.ForeignDebitAmount = posguard.Amount(num(31, 43))
		t.ForeignDebitCount = int(num(43, 46))
		t.ForeignCreditAmount = posguard.Amount(num(46, 58))
		t.ForeignCreditCount = int(num(58, 61))
		st.ForeignResult = s[61]
	}
	return st, nil
}

// SettlementOf is the field 48 of the host's answer r.
func SettlementOf(r posguard.SettlementResult) Settlement {
	digit := func(ok bool) byte {
		if ok {
			return ResultBalanced
		}
		return ResultUnbalanced
	}
	return Settlement{Totals: r.Totals, DomesticResult: digit(r.DomesticBalanced), ForeignResult: digit(r.ForeignBalanced)}
}

// Balanced reports whether both result digits say balanced (an answer
// with the domestic group only counts its foreign group as balanced).
func (st Settlement) Balanced() bool {
	return st.DomesticResult == ResultBalanced && (st.ForeignResult == ResultBalanced || st.ForeignResult == ResultNone)
}

// String returns the 62 digits of field 48: for domestic then foreign
// cards, debit amount n12, debit count n3, credit amount n12, credit count
// n3 and the result digit (a zero result byte is written as '0'). Counts
// are written modulo 1000; amounts must be below 10^12 fen and not
// negative.
func (st Settlement) String() string {
	d, f := st.DomesticResult, st.ForeignResult
	if d == 0 {
		d = ResultNone
	}
	if f == 0 {
		f = ResultNone
	}
	b := st.Totals
	return fmt.Sprintf("%012d%03d%012d%03d%c%012d%03d%012d%03d%c",
		b.DomesticDebitAmount, b.DomesticDebitCount%1000, b.DomesticCreditAmount, b.DomesticCreditCount%1000, d,
		b.ForeignDebitAmount, b.ForeignDebitCount%1000, b.ForeignCreditAmount, b.ForeignCreditCount%1000, f)
}

// Balance is field 54: a balance as the issuer reports it.
type Balance struct {
	AccountType string          // n2, "00" when unspecified
	AmountType  string          // n2, "02" available balance
	Currency    string          // n3, "156"
	Amount      posguard.Amount // negative for a debit ("D") balance
}

// maxAmount12 is the largest amount an n12 field holds.
const maxAmount12 = 999999999999

// BalanceField returns field 54 for an available balance of amount in
// currency: account type 00, amount type 02, currency, C or D, 12 digits.
func BalanceField(amount posguard.Amount, currency string) (string, error) {
	return Balance{AccountType: "00", AmountType: "02", Currency: currency, Amount: amount}.Field54()
}

// Field54 returns the 20 characters of field 54. An amount beyond 12
// digits or subfields of the wrong length are errors.
func (b Balance) Field54() (string, error) {
	if len(b.AccountType) != 2 || len(b.AmountType) != 2 || len(b.Currency) != 3 {
		return "", subErr(fBalance, 0, "account type, amount type and currency must be 2, 2 and 3 characters")
	}
	v, sign := int64(b.Amount), "C"
	if v < 0 {
		v, sign = -v, "D"
	}
	if v > maxAmount12 {
		return "", subErr(fBalance, 0, "amount over 12 digits")
	}
	return b.AccountType + b.AmountType + b.Currency + sign + padDigits(strconv.FormatInt(v, 10), 12), nil
}

// ParseField54 reads the first balance of field 54 (20 characters; more
// balances may follow and are ignored).
func ParseField54(s string) (Balance, error) {
	var b Balance
	if len(s) < 20 {
		return b, subErr(fBalance, 0, "length "+strconv.Itoa(len(s))+", want 20")
	}
	if sign := s[7]; sign != 'C' && sign != 'D' {
		return b, subErr(fBalance, 0, "sign must be C or D")
	}
	if !allDigits(s[8:20]) {
		return b, subErr(fBalance, 0, "amount not all digits")
	}
	v, _ := strconv.ParseInt(s[8:20], 10, 64)
	if s[7] == 'D' {
		v = -v
	}
	b.AccountType, b.AmountType, b.Currency, b.Amount = s[0:2], s[2:4], s[4:7], posguard.Amount(v)
	return b, nil
}

// Field63 is the layout of field 63: 63.1 (operator number in a request,
// card organisation such as CUP, VIS, MCC in a response) and whatever
// follows it (63.2 text in a response).
type Field63 struct {
	First string // 63.1, three characters
	Rest  string // everything after 63.1
}

// ParseField63 splits field 63. Fewer than three characters is an error
// naming 63.1.
func ParseField63(s string) (Field63, error) {
	if len(s) < 3 {
		return Field63{}, subErr(fField63, 1, "length "+strconv.Itoa(len(s))+", want 3")
	}
	return Field63{First: s[:3], Rest: s[3:]}, nil
}

// String returns field 63: 63.1 padded with spaces to three characters,
// then Rest.
func (f Field63) String() string {
	first := f.First
	for len(first) < 3 {
		first += " "
	}
	return first[:3] + f.Rest
}
