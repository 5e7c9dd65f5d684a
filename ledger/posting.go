package ledger

import (
	"strconv"

	"github.com/posguard/posguard"
)

// Account shorthands.
const (
	NetworkReceivable = posguard.Account(posguard.AccountNetworkReceivable)
	FeeIncome         = posguard.Account(posguard.AccountFeeIncome)
	Suspense          = posguard.Account(posguard.AccountSuspense)
)

// payable returns the merchant's payable account, or suspense for a
// transaction without a merchant.
func payable(mid string) posguard.Account {
	if mid == "" {
		return Suspense
	}
	return posguard.MerchantAccount(posguard.AccountMerchantPayable, mid)
}

// TxnKey returns the idempotency key of a transaction's posting of kind k.
func TxnKey(id int64, k posguard.PostingKind) string {
	return "txn:" + strconv.FormatInt(id, 10) + ":" + string(k)
}

// entries builds entries, dropping zero amounts.
func entries(es ...posguard.Entry) []posguard.Entry {
	out := es[:0]
	for _, e := range es {
		if e.Amount != 0 {
			out = append(out, e)
		}
	}
	return out
}

// Approval is the posting of an approved sale or completion with fee.
func Approval(t *posguard.Transaction, fee posguard.Amount, kind posguard.CardKind) *posguard.Posting {
	net := t.Amount - fee
	return &posguard.Posting{
		Key: TxnKey(t.ID, posguard.PostApproval), Kind: posguard.PostApproval, TxnID: t.ID,
		MerchantID: t.MerchantID, Date: t.SettlementDate, Gross: t.Amount, Fee: fee, Net: net, CardKind: kind,
		Entries: entries(
			posguard.Entry{Account: NetworkReceivable, Amount: t.Amount},
			posguard.Entry{Account: payable(t.MerchantID), Amount: -net},
			posguard.Entry{Account: FeeIncome, Amount: -fee},
		),
	}
}

// Void is the posting of an approved void of orig (nil when the original
// was never posted: the void is then charged to the merchant without fee).
func Void(t *posguard.Transaction, orig *posguard.Posting) *posguard.Posting {
	gross, fee := t.Amount, posguard.Amount(0)
	kind := posguard.CardKind("")
	if orig != nil {
		gross, fee, kind = orig.Gross, orig.Fee, orig.CardKind
	}
	return debitMerchant(t, posguard.PostVoid, gross, fee, kind)
}

// Refund is the posting of an approved refund of orig; before and
// feeBefore are what earlier refunds of orig took back. The fee returned is
// the original fee pro rata: round half up of fee × refunded ÷ amount over
// all refunds so far, less what earlier refunds returned, so the refunds of
// one sale never return more than its fee, and a full refund returns it all.
func Refund(t *posguard.Transaction, orig *posguard.Posting, before, feeBefore posguard.Amount) *posguard.Posting {
	var fee posguard.Amount
	kind := posguard.CardKind("")
	if orig != nil && orig.Gross > 0 {
		kind = orig.CardKind
		fee = ProRata(orig.Fee, before+t.Amount, orig.Gross) - feeBefore
		fee = min(max(fee, 0), orig.Fee-feeBefore)
	}
	return debitMerchant(t, posguard.PostRefund, t.Amount, fee, kind)
}

// ProRata returns fee × part ÷ whole rounded half up to the fen, capped at
// fee (part over whole counts as whole).
func ProRata(fee, part, whole posguard.Amount) posguard.Amount {
	if whole <= 0 || part <= 0 {
		return 0
	}
	if part >= whole {
		return fee
	}
	// fee and part are both far below 2^31 fen·fen for any real amount, but
	// split to stay exact for any int64 inputs.
	q, r := int64(fee)/int64(whole), int64(fee)%int64(whole)
	return posguard.Amount(q*int64(part) + (r*int64(part)+int64(whole)/2)/int64(whole))
}

// debitMerchant takes gross back from the merchant, returning fee to it.
func debitMerchant(t *posguard.Transaction, k posguard.PostingKind, gross, fee posguard.Amount, kind posguard.CardKind) *posguard.Posting {
	net := gross - fee
	return &posguard.Posting{
		Key: TxnKey(t.ID, k), Kind: k, TxnID: t.ID, OrigID: t.OrigID,
		MerchantID: t.MerchantID, Date: t.SettlementDate, Gross: gross, Fee: -fee, Net: -net, CardKind: kind,
		Entries: entries(
			posguard.Entry{Account: payable(t.MerchantID), Amount: net},
			posguard.Entry{Account: FeeIncome, Amount: fee},
			posguard.Entry{Account: NetworkReceivable, Amount: -gross},
		),
	}
}

// Reversal undoes q, the posting of transaction t that was reversed.
func Reversal(t *posguard.Transaction, q *posguard.Posting) *posguard.Posting {
	es := make([]posguard.Entry, len(q.Entries))
	for i, e := range q.Entries {
		es[i] = posguard.Entry{Account: e.Account, Amount: -e.Amount}
	}
	return &posguard.Posting{
		Key: TxnKey(t.ID, posguard.PostReversal), Kind: posguard.PostReversal, TxnID: t.ID, OrigID: q.OrigID,
		MerchantID: q.MerchantID, Date: t.SettlementDate, Gross: q.Gross, Fee: -q.Fee, Net: -q.Net,
		CardKind: q.CardKind, Entries: es,
	}
}

// Transfer is a posting moving amount from one account to another (Dr to,
// Cr from) for merchant mid; key makes it idempotent.
func Transfer(key string, k posguard.PostingKind, mid, date, ref string, amount posguard.Amount, to, from posguard.Account) *posguard.Posting {
	return &posguard.Posting{
		Key: key, Kind: k, MerchantID: mid, Date: date, Gross: amount, Ref: ref,
		Entries: []posguard.Entry{{Account: to, Amount: amount}, {Account: from, Amount: -amount}},
	}
}
