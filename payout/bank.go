package payout

import (
	"context"

	"github.com/posguard/posguard"
)

// Order is one payout instruction to the bank.
type Order struct {
	PayoutID string // the bank's deduplication key
	Account  posguard.SettlementAccount
	Amount   posguard.Amount
}

// Result is the bank's answer to an order.
type Result struct {
	Accepted bool
	Reason   string // settlement.* reason when not accepted
	BankRef  string
}

// Return is a payout the bank accepted and later sent back (退汇).
type Return struct {
	PayoutID string
	Reason   string
}

// Bank is the link to the settlement bank.
type Bank interface {
	// Submit pays o once per PayoutID: a repeat returns the first result
	// without paying again. Returns ETIMEOUT when no answer came (the order
	// may have been carried out), EUNAVAILABLE when it was not sent.
	Submit(ctx context.Context, o Order) (Result, error)
	// Verify checks an account with the bank and returns its status: ok,
	// frozen, closed or name_mismatch.
	Verify(ctx context.Context, a posguard.SettlementAccount) (string, error)
	// Returns hands over the returns (退汇) since the last call.
	Returns(ctx context.Context) ([]Return, error)
}

// Reasons for failed and returned payouts (diagnosis knowledge base keys).
const (
	ReasonAccountFrozen = posguard.ReasonAccountFrozen
	ReasonAccountClosed = posguard.ReasonAccountClosed
	ReasonNameMismatch  = posguard.ReasonNameMismatch
	ReasonBankReturn    = posguard.ReasonBankReturn
)

// ReasonForStatus maps an account status to the reason a payout to it fails
// ("" for ok).
func ReasonForStatus(status string) string {
	switch status {
	case "frozen":
		return ReasonAccountFrozen
	case "closed":
		return ReasonAccountClosed
	case "name_mismatch":
		return ReasonNameMismatch
	}
	return ""
}

// Fix returns what the merchant must do about a payout failure reason.
func Fix(reason string) string {
	switch reason {
	case ReasonAccountFrozen:
		return "have the bank release the settlement account (or change it), then ask for re-settlement / 联系开户行解冻或更换结算账户后申请重新结算"
	case ReasonAccountClosed:
		return "change the settlement account to an open one, then ask for re-settlement / 变更结算账户后申请重新结算"
	case ReasonNameMismatch:
		return "correct the account name exactly as the bank has it, then ask for re-settlement / 更正户名后申请重新结算"
	case ReasonBankReturn:
		return "check the account details with the bank, then ask for re-settlement / 核对账户信息后申请重新结算"
	}
	return "contact the acquirer / 联系收单机构"
}
