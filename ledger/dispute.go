package ledger

import "github.com/posguard/posguard"

// DisputeKey returns the idempotency key of dispute id's posting of kind k.
func DisputeKey(id string, k posguard.PostingKind) string { return "dispute:" + id + ":" + string(k) }

// Chargeback is the posting of chargeback d on transaction t, dated date
// (the business day it arrived): the network took the amount back from
// the acquirer (network receivable credited) and the acquirer takes it from
// the merchant's unsettled balance (payable debited). It is a settlement
// item with a negative net, so it is held from what the merchant has not
// been paid yet, and when that is short (the sale was paid out) the next
// settlement is reduced. The fee is not returned.
func Chargeback(d *posguard.Dispute, t *posguard.Transaction, date string) *posguard.Posting {
	return &posguard.Posting{
		Key: DisputeKey(d.ID, posguard.PostChargeback), Kind: posguard.PostChargeback, OrigID: t.ID,
		MerchantID: d.MerchantID, Date: date, Gross: d.Amount, Net: -d.Amount, Ref: d.ID,
		Entries: []posguard.Entry{
			{Account: payable(d.MerchantID), Amount: d.Amount},
			{Account: NetworkReceivable, Amount: -d.Amount},
		},
	}
}

// Representment is the posting of a won representment of chargeback d: the
// network pays the amount back and the merchant is credited with it.
func Representment(d *posguard.Dispute, t *posguard.Transaction, date string) *posguard.Posting {
	return &posguard.Posting{
		Key: DisputeKey(d.ID, posguard.PostRepresentment), Kind: posguard.PostRepresentment, OrigID: t.ID,
		MerchantID: d.MerchantID, Date: date, Gross: d.Amount, Net: d.Amount, Ref: d.ID,
		Entries: []posguard.Entry{
			{Account: NetworkReceivable, Amount: d.Amount},
			{Account: payable(d.MerchantID), Amount: -d.Amount},
		},
	}
}
