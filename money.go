package posguard

import "fmt"

// Amount is a sum of money in minor units (fen for CNY). Money is never a
// float anywhere in posguard.
type Amount int64

// CurrencyCNY is the ISO 4217 numeric code of the renminbi, field 49's usual value.
const CurrencyCNY = "156"

// String formats the amount as yuan with two decimals, e.g. "12.34" or "-0.05".
func (a Amount) String() string {
	sign := ""
	v := int64(a)
	if v < 0 {
		sign = "-"
		v = -v
	}
	return fmt.Sprintf("%s%d.%02d", sign, v/100, v%100)
}
