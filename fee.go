package posguard

import (
	"fmt"
	"strconv"
	"strings"
)

// FeePlan is a named set of merchant discount rates (商户扣率): what a
// merchant pays per transaction by card kind, and its same-day terms. A
// merchant names its plan (Merchant.FeePlan); the world file declares
// plans (seed/) and the store keeps them; settlement prices with them.
type FeePlan struct {
	Name       string
	CreditRate Rate
	DebitRate  Rate
	QRRate     Rate
	// DebitCap caps the fee of one debit-card transaction; zero means no cap.
	DebitCap Amount
	D0       D0Rule
}

// D0Rule describes same-day (D0) settlement on request.
type D0Rule struct {
	Enabled   bool
	MinAmount Amount // smallest sale paid out same-day (smaller ones wait for T+1)
	Window    string // "HH:MM-HH:MM", local time
	Extra     Rate   // added to the plan's rate for D0 payouts
}

// Rate is a fee rate in millionths of the amount (parts per million):
// "0.60%" is 6000, "0.38%" is 3800, "1%" is 10000. Percentages are written
// with at most four decimals, so every rate a file can hold is exact; no
// float is involved anywhere.
type Rate int64

// RateScale is the Rate of 100%.
const RateScale Rate = 1_000_000

// ParseRate parses a percentage such as "0.60%" or "1%". It accepts 0% to
// 100% with at most four decimals and requires the percent sign.
func ParseRate(s string) (Rate, error) {
	t := strings.TrimSpace(s)
	if !strings.HasSuffix(t, "%") {
		return 0, fmt.Errorf("rate %q: want a percentage such as \"0.60%%\"", s)
	}
	t = strings.TrimSpace(strings.TrimSuffix(t, "%"))
	intPart, frac, hasDot := strings.Cut(t, ".")
	if intPart == "" || !allDigits(intPart) || (hasDot && (frac == "" || !allDigits(frac))) {
		return 0, fmt.Errorf("rate %q: want digits with an optional decimal point, then %%", s)
	}
	if len(frac) > 4 {
		return 0, fmt.Errorf("rate %q: more than 4 decimals", s)
	}
	if len(intPart) > 3 {
		return 0, fmt.Errorf("rate %q: over 100%%", s)
	}
	whole, _ := strconv.ParseInt(intPart, 10, 64)
	frac += strings.Repeat("0", 4-len(frac))
	f, _ := strconv.ParseInt(frac, 10, 64)
	r := Rate(whole*10_000 + f)
	if r > RateScale {
		return 0, fmt.Errorf("rate %q: over 100%%", s)
	}
	return r, nil
}

// String formats the rate as a percentage with at least two decimals,
// e.g. "0.60%" or "0.0125%"; ParseRate reads it back to the same value.
func (r Rate) String() string {
	sign := ""
	v := int64(r)
	if v < 0 {
		sign = "-"
		v = -v
	}
	frac := fmt.Sprintf("%04d", v%10_000)
	for len(frac) > 2 && frac[len(frac)-1] == '0' {
		frac = frac[:len(frac)-1]
	}
	return fmt.Sprintf("%s%d.%s%%", sign, v/10_000, frac)
}

// Fee returns the fee at rate r on amount a, rounded half up to the fen.
// It does not overflow for any amount a world can hold.
func (r Rate) Fee(a Amount) Amount {
	const scale = int64(RateScale)
	v, rr := int64(a), int64(r)
	neg := v < 0
	if neg {
		v = -v
	}
	q, m := v/scale, v%scale
	fee := q*rr + (m*rr+scale/2)/scale
	if neg {
		fee = -fee
	}
	return Amount(fee)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
