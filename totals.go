package posguard

import "fmt"

// Settlement results carried in field 48's result digits.
const (
	TotalsBalanced   = '1'
	TotalsUnbalanced = '2'
)

// Field48 renders totals as the 62 digits of field 48: for domestic then
// foreign cards, debit amount n12, debit count n3, credit amount n12, credit
// count n3 and a result digit (dom, foreign; '0' in a request).
func (b BatchTotals) Field48(dom, foreign byte) string {
	return fmt.Sprintf("%012d%03d%012d%03d%c%012d%03d%012d%03d%c",
		b.DomesticDebitAmount, b.DomesticDebitCount%1000, b.DomesticCreditAmount, b.DomesticCreditCount%1000, dom,
		b.ForeignDebitAmount, b.ForeignDebitCount%1000, b.ForeignCreditAmount, b.ForeignCreditCount%1000, foreign)
}

// ParseField48 reads the totals of field 48. The foreign group is optional
// (31 digits are enough). Returns EINVALID naming the subfield on bad input.
func ParseField48(s string) (BatchTotals, error) {
	var b BatchTotals
	if len(s) != 31 && len(s) < 62 {
		return b, Errorf(EINVALID, "field 48: length %d, want 31 or 62 digits", len(s))
	}
	num := func(from, to int, name string) (int64, error) {
		var n int64
		for i := from; i < to; i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return 0, Errorf(EINVALID, "field 48: %s: non-digit", name)
			}
			n = n*10 + int64(c-'0')
		}
		return n, nil
	}
	group := func(off int, da *Amount, dc *int, ca *Amount, cc *int, name string) error {
		v, err := num(off, off+12, name+" debit amount")
		if err != nil {
			return err
		}
		*da = Amount(v)
		if v, err = num(off+12, off+15, name+" debit count"); err != nil {
			return err
		}
		*dc = int(v)
		if v, err = num(off+15, off+27, name+" credit amount"); err != nil {
			return err
		}
		*ca = Amount(v)
		if v, err = num(off+27, off+30, name+" credit count"); err != nil {
			return err
		}
		*cc = int(v)
		return nil
	}
	if err := group(0, &b.DomesticDebitAmount, &b.DomesticDebitCount, &b.DomesticCreditAmount, &b.DomesticCreditCount, "domestic"); err != nil {
		return b, err
	}
	if len(s) >= 62 {
		if err := group(31, &b.ForeignDebitAmount, &b.ForeignDebitCount, &b.ForeignCreditAmount, &b.ForeignCreditCount, "foreign"); err != nil {
			return b, err
		}
	}
	return b, nil
}

// DomesticEqual reports whether the domestic groups of a and b agree
// (counts compared modulo 1000, as field 48 carries three digits).
func (b BatchTotals) DomesticEqual(o BatchTotals) bool {
	return b.DomesticDebitAmount == o.DomesticDebitAmount && b.DomesticCreditAmount == o.DomesticCreditAmount &&
		b.DomesticDebitCount%1000 == o.DomesticDebitCount%1000 && b.DomesticCreditCount%1000 == o.DomesticCreditCount%1000
}

// ForeignEqual reports whether the foreign groups of a and b agree.
func (b BatchTotals) ForeignEqual(o BatchTotals) bool {
	return b.ForeignDebitAmount == o.ForeignDebitAmount && b.ForeignCreditAmount == o.ForeignCreditAmount &&
		b.ForeignDebitCount%1000 == o.ForeignDebitCount%1000 && b.ForeignCreditCount%1000 == o.ForeignCreditCount%1000
}
