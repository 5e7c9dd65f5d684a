package posguard

import (
	"context"
	"time"
)

// QR reconciliation (docs/reconciliation.md, "QR bills"): the day bill of
// every wallet channel for every merchant with a wallet
// (spec/wallet-channel.md §2.4 /bill) is reconciled in the same run as the
// card clearing file. Its exception classes are prefixed qr_ so they never
// mix with the card classes of spec/clearing-file.md §4.2.
const (
	// ReconQRChannelOnly: the channel took money (a PAY row not given back
	// on that bill) for an order posguard does not show succeeded, or for a
	// number posguard never made: 交易失败却扣款 on a QR order.
	ReconQRChannelOnly = "qr_channel_only"
	// ReconQRJournalOnly: posguard shows the order paid that day and the
	// channel's bill has no PAY row for it.
	ReconQRJournalOnly = "qr_journal_only"
	// ReconQRAmountMismatch: the PAY row's amount is not the order's.
	ReconQRAmountMismatch = "qr_amount_mismatch"
	// ReconQRStateMismatch: the channel reversed (REVERSE row) an order
	// posguard shows succeeded.
	ReconQRStateMismatch = "qr_state_mismatch"
	// ReconQRRefundMismatch: a REFUND row posguard has no succeeded refund
	// for (unknown number, another amount, a refund posguard shows failed or
	// still processing), or a refund posguard shows succeeded that day
	// missing from the bill.
	ReconQRRefundMismatch = "qr_refund_mismatch"
	// ReconQRFeeMismatch: with a channel fee rate configured, a row's fee
	// differs from the rate's.
	ReconQRFeeMismatch = "qr_fee_mismatch"
)

// Actions of the QR classes (beside hold, case, investigate and
// await_reversal of the card classes).
const (
	// ActionReturnCharge: the money goes back to the payer at the channel
	// (a full internal refund of a failed or closed order, the reversal of a
	// reversed one sent again).
	ActionReturnCharge = "return_charge"
	// ActionMarkSucceeded: the order is still paying; the channel is asked
	// now and a payment found makes it succeeded.
	ActionMarkSucceeded = "mark_succeeded"
	// ActionAwaitRefund: posguard's refund is still processing; it is
	// resolved when the refund succeeds.
	ActionAwaitRefund = "await_refund"
)

// QRBillSource is one day bill to fetch: a channel and one merchant's
// sub-merchant id at it.
type QRBillSource struct {
	Channel    string // the channel's name
	Kind       string // wechat, alipay, unionpay
	AppID      string
	MerchantID string
	MchID      string
}

// ReconQRStore reads what QR reconciliation needs of the QR journal.
type ReconQRStore interface {
	// QROrdersByTradeNo returns the orders with these out_trade_no
	// (numbers posguard never made are left out).
	QROrdersByTradeNo(ctx context.Context, nos []string) ([]*QROrder, error)
	// QROrder returns one order; ENOTFOUND if none.
	QROrder(ctx context.Context, id int64) (*QROrder, error)
	// PaidQROrders calls f with every succeeded order whose paid_at is in
	// [from, to), in any order, streaming.
	PaidQROrders(ctx context.Context, from, to time.Time, f func(*QROrder) error) error
	// QRRefundsOf returns every refund of these orders.
	QRRefundsOf(ctx context.Context, orderIDs []int64) ([]*QRRefund, error)
	// SucceededQRRefunds calls f with every succeeded refund last changed
	// in [from, to), streaming.
	SucceededQRRefunds(ctx context.Context, from, to time.Time, f func(*QRRefund) error) error
}
