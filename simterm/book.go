package simterm

import "github.com/posguard/posguard"

// Record is one approved transaction in the terminal's current batch, as the
// terminal keeps it for settlement (field 48) and for later voids.
type Record struct {
	Type     posguard.TxnType
	STAN     string
	Amount   posguard.Amount
	Domestic bool // card organisation CUP (every posguard card, spec §6)
	// Voided marks a sale voided later in the batch; it still counts as a
	// debit.
	Voided bool
}

// book is a terminal's batch: its number and the approved transactions in
// it. Reversed transactions are never added (the terminal adds a record
// only once it trusts an approval).
type book struct {
	batch   string
	records []Record
}

// add records an approved transaction.
func (b *book) add(r Record) { b.records = append(b.records, r) }

// markVoided flags the sale with stan as voided.
func (b *book) markVoided(stan string) {
	for i := range b.records {
		if b.records[i].STAN == stan && b.records[i].Type == posguard.TxnSale {
			b.records[i].Voided = true
		}
	}
}

// totals sums the records as field 48 wants them: debit = sales and
// completions (voided ones included), credit = voids, refunds and
// completion voids, per domestic and foreign cards.
func (b *book) totals() posguard.BatchTotals {
	var t posguard.BatchTotals
	for _, r := range b.records {
		switch r.Type {
		case posguard.TxnSale, posguard.TxnCompletion:
			if r.Domestic {
				t.DomesticDebitAmount += r.Amount
				t.DomesticDebitCount++
			} else {
				t.ForeignDebitAmount += r.Amount
				t.ForeignDebitCount++
			}
		case posguard.TxnVoid, posguard.TxnRefund, posguard.TxnCompletionVoid:
			if r.Domestic {
				t.DomesticCreditAmount += r.Amount
				t.DomesticCreditCount++
			} else {
				t.ForeignCreditAmount += r.Amount
				t.ForeignCreditCount++
			}
		}
	}
	return t
}

// roll closes the batch and opens the next one (old + 1, 999999 wraps to
// 000001) with no records.
func (b *book) roll() {
	b.batch = posguard.NextBatch(b.batch)
	b.records = nil
}

// adopt takes the batch the host announced at sign-on. Records of another
// batch are dropped: the host no longer counts them in the open batch.
func (b *book) adopt(batch string) {
	if batch == b.batch {
		return
	}
	b.batch = batch
	b.records = nil
}

// nextSTAN returns the STAN after s: 000001–999999, wrapping to 000001.
func nextSTAN(s int) int {
	if s >= 999999 || s < 0 {
		return 1
	}
	return s + 1
}
