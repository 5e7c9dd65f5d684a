package posguard

import "fmt"

// SettlementResult is the host's answer to a batch settlement (0500): its
// own totals of the batch and whether the terminal's agree, group by group.
// The terminal profile (terminal/) parses the terminal's totals and writes
// this answer as field 48; the switch only compares.
type SettlementResult struct {
	Totals           BatchTotals
	DomesticBalanced bool
	ForeignBalanced  bool
}

// Balanced reports whether both groups agree.
func (r SettlementResult) Balanced() bool { return r.DomesticBalanced && r.ForeignBalanced }

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

// String describes the totals for people and evidence, e.g. "domestic
// debits 3 / 70.00, credits 1 / 10.00; foreign debits 0 / 0.00, credits 0 /
// 0.00" (counts, then amounts in yuan).
func (b BatchTotals) String() string {
	return fmt.Sprintf("domestic debits %d / %s, credits %d / %s; foreign debits %d / %s, credits %d / %s",
		b.DomesticDebitCount, b.DomesticDebitAmount, b.DomesticCreditCount, b.DomesticCreditAmount,
		b.ForeignDebitCount, b.ForeignDebitAmount, b.ForeignCreditCount, b.ForeignCreditAmount)
}
