// Package ledger keeps posguard's double-entry ledger: integer fen, balanced
// postings, append-only and hash-chained.
//
// The Poster derives postings from the journal asynchronously: it reads
// journal events after a stored cursor and appends one posting per
// (transaction, event), so authorizations never wait on the ledger and a
// re-read posts nothing twice. Verify walks the chain and proves it intact.
//
// Accounts (posguard.AccountKind): network_receivable, fee_income and
// suspense are the acquirer's; merchant_payable, payout_clearing and held
// are kept per merchant. Postings by kind, debit (+) and credit (−):
//
//	approval       Dr network_receivable gross   Cr merchant_payable net, fee_income fee
//	void           the original approval inverted (fee returned in full)
//	refund         Dr merchant_payable net, fee_income fee   Cr network_receivable gross (fee pro rata)
//	reversal       the reversed transaction's posting inverted
//	d0_fee         Dr merchant_payable       Cr fee_income
//	settlement     Dr merchant_payable       Cr payout_clearing
//	payout         Dr payout_clearing        Cr network_receivable (the network's funds leave to the merchant)
//	payout_failed  Dr payout_clearing        Cr held
//	return (退汇)  Dr network_receivable     Cr held
//	resettlement   Dr held                   Cr payout_clearing
//
// Transactions without a merchant go to suspense instead of a merchant account.
package ledger
