package posguard

import (
	"context"
	"time"
)

// QR payments (spec/wallet-channel.md): wallet channels, merchants' wallet
// settings, QR orders and their refunds, and the merchant notification
// outbox. The order engine is package qr; the channel client package wallet.

// QRMode is how an order is paid.
type QRMode string

// Order modes (spec §4.1).
const (
	QRMicropay QRMode = "micropay" // 被扫: the cashier scans the customer's payment code
	QRNative   QRMode = "native"   // 主扫: the customer scans the order's code_url
)

// QRState is a QR order's state (spec §5). Only paying ever changes.
type QRState string

// Order states.
const (
	QRPaying    QRState = "paying"
	QRSucceeded QRState = "succeeded"
	QRFailed    QRState = "failed"
	QRClosed    QRState = "closed"
	QRReversed  QRState = "reversed"
)

// Final reports whether s never changes again.
func (s QRState) Final() bool { return s != QRPaying && s != "" }

// QRTask is what the order's queue still has to do at the channel.
type QRTask string

// Queue tasks of an order: none, query its outcome, (re)send /pay/native
// until a code_url, send /pay/reverse until done, send /pay/close until a
// trusted answer.
const (
	QRTaskNone    QRTask = ""
	QRTaskQuery   QRTask = "query"
	QRTaskNative  QRTask = "native"
	QRTaskReverse QRTask = "reverse"
	QRTaskClose   QRTask = "close"
)

// Reversal states shown on a reversed order.
const (
	QRReversalPending = "pending"
	QRReversalDone    = "done"
)

// WalletChannel is one configured wallet channel (spec §6). Key is secret:
// stored sealed under the host key, never logged or shown.
type WalletChannel struct {
	Name     string
	Kind     string // wechat | alipay | unionpay
	URL      string
	AppID    string
	Key      []byte
	Position int // order in the world file: the first channel of a kind wins
}

// MerchantWallet is a merchant's QR settings: its sub-merchant id at every
// channel and the key its notifications are signed with (secret, sealed).
type MerchantWallet struct {
	MerchantID string
	MchID      string
	NotifyKey  []byte
}

// QRDailyLimit is a merchant's daily QR limits as CreateQROrderWithin
// checks them: the day [From, To) and the most its succeeded and paying
// orders may hold (Amount; 0: no limit) and number (Count; 0: no limit).
type QRDailyLimit struct {
	From, To time.Time
	Amount   Amount
	Count    int
}

// On reports whether l limits anything.
func (l QRDailyLimit) On() bool { return l.Amount > 0 || l.Count > 0 }

// QROrder is one QR payment attempt of one merchant.
type QROrder struct {
	ID          int64
	MerchantID  string
	OutOrderNo  string // the merchant's number, unique per merchant
	RequestHash string // digest of the creating request's content (idempotency)
	Mode        QRMode
	Channel     string // kind: wechat, alipay, unionpay
	ChannelName string // the configured channel's name
	Amount      Amount
	State       QRState
	Reason      string
	// OutTradeNo is posguard's number at the channel (set when the order
	// is created paying).
	OutTradeNo    string
	TransactionID string
	PaidAt        time.Time
	AuthCode      string // masked 6+4; the full code is never stored
	TerminalID    string
	Subject       string
	NotifyURL     string
	ExpireSeconds int
	CodeURL       string
	ExpiresAt     time.Time
	// Deadline is when an unconfirmed micropay order is reversed.
	Deadline time.Time
	// The queue: what is left to do at the channel, how often it was
	// tried, when next, and the last failure. A reversed order keeps its
	// reversal's attempts and last error once done.
	Task           QRTask
	Attempts       int
	NextAttempt    time.Time
	LastError      string
	ReversalState  string // "", pending, done
	RefundedAmount Amount
	CaseOpened     bool
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// QROrderUpdate changes one order. Zero fields are left alone.
type QROrderUpdate struct {
	ID int64
	// From, when set, is the state the order must be in (ECONFLICT
	// otherwise); FromTask likewise for the task when CheckTask is set.
	From      QRState
	CheckTask bool
	FromTask  QRTask
	State     QRState
	Reason    string
	// Paid details.
	TransactionID string
	PaidAt        time.Time
	CodeURL       string
	ExpiresAt     time.Time
	// Task, when not nil, sets the task; a new non-empty task starts its
	// attempt count at 0.
	Task        *QRTask
	Attempted   bool // one more attempt of the current task
	NextAttempt time.Time
	LastError   *string
	// ReversalState sets the reversal's state.
	ReversalState string
	CaseOpened    bool
	// Notify queues the merchant notification of the order's new final
	// state (when it has a notify_url), in the same transaction.
	Notify bool
	// Known, when set, is the order as the caller already has it (same
	// ID, as the store returned it): the columns no update changes (its
	// merchant and numbers, amount, mode, channel, payment code,
	// terminal, subject, notify_url, deadline, creation time) are taken
	// from it instead of being read back. Nil: the whole order is read.
	Known *QROrder
}

// Apply changes o as u says, its times as a store keeps them
// (microseconds, UTC); the update time is the store's to set. It is what
// every store's statements for u must do (the conformance group
// QR/UpdateShapes holds them to it).
func (u QROrderUpdate) Apply(o *QROrder) {
	if u.State != "" {
		o.State = u.State
	}
	if u.Reason != "" {
		o.Reason = u.Reason
	}
	if u.TransactionID != "" {
		o.TransactionID = u.TransactionID
	}
	if !u.PaidAt.IsZero() {
		o.PaidAt = u.PaidAt.UTC().Truncate(time.Microsecond)
	}
	if u.CodeURL != "" {
		o.CodeURL = u.CodeURL
	}
	if !u.ExpiresAt.IsZero() {
		o.ExpiresAt = u.ExpiresAt.UTC().Truncate(time.Microsecond)
	}
	switch {
	case u.Task != nil && *u.Task != QRTaskNone && *u.Task != o.Task:
		o.Attempts = 0 // a new task starts its attempts again
	case u.Attempted:
		o.Attempts++
	}
	if u.Task != nil {
		o.Task = *u.Task
	}
	if !u.NextAttempt.IsZero() {
		o.NextAttempt = u.NextAttempt.UTC().Truncate(time.Microsecond)
	}
	if u.LastError != nil {
		o.LastError = *u.LastError
	}
	if u.ReversalState != "" {
		o.ReversalState = u.ReversalState
	}
	if u.CaseOpened {
		o.CaseOpened = true
	}
}

// QRRefundState is a refund's state.
type QRRefundState string

// Refund states (spec §4.4).
const (
	QRRefundProcessing QRRefundState = "processing"
	QRRefundSucceeded  QRRefundState = "succeeded"
	QRRefundFailed     QRRefundState = "failed"
)

// Refund queue tasks: send /pay/refund, or ask /pay/refund/query.
const (
	QRRefundTaskSend  QRTask = "send"
	QRRefundTaskQuery QRTask = "query"
)

// QRRefund is one refund of a QR order.
type QRRefund struct {
	ID          int64
	OrderID     int64
	MerchantID  string
	OutRefundNo string // the merchant's number, unique per merchant
	RefundNo    string // posguard's out_refund_no at the channel
	RequestHash string
	Amount      Amount
	Reason      string // the merchant's text
	State       QRRefundState
	FailReason  string // qr.* reason when failed
	RefundID    string // the channel's refund_id
	// Internal marks a refund posguard made on its own (a payment notified
	// for an order it had closed or failed).
	Internal    bool
	Task        QRTask
	Attempts    int
	NextAttempt time.Time
	LastError   string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// QRRefundUpdate changes one refund. A refund reaching succeeded adds its
// amount to the order's refunded_amount in the same transaction.
type QRRefundUpdate struct {
	ID          int64
	From        QRRefundState // required current state when set
	State       QRRefundState
	FailReason  string
	RefundID    string
	Task        *QRTask
	Attempted   bool
	NextAttempt time.Time
	LastError   *string
	Notify      bool // queue the refund's merchant notification
	// Exchange, when set, is the request and answer this update records
	// the effect of: kept in the refund's history in the same transaction.
	Exchange *QRRefundExchange
}

// Merchant notification states.
const (
	QRNoticePending   = "pending"
	QRNoticeDelivered = "delivered"
	QRNoticeAbandoned = "abandoned" // 7 days without a delivery
)

// QRNotice is one merchant notification in the outbox (spec §4.5). Its
// body is built from the order (and refund) when sent; both are final then.
type QRNotice struct {
	ID          int64
	OrderID     int64
	RefundID    int64 // 0 for an order event
	MerchantID  string
	Event       string // order | refund
	URL         string
	State       string
	Attempts    int
	NextAttempt time.Time
	LastError   string
	CaseOpened  bool
	CreatedAt   time.Time
	DeliveredAt time.Time
}

// QROrderFilter selects orders; zero fields do not filter.
type QROrderFilter struct {
	MerchantID string
	OutOrderNo string
	State      QRState
	From, To   time.Time // created_at in [From, To)
	Before     int64     // only IDs below (a cursor)
	Limit      int
}

// QRStore keeps wallet channels, merchants' wallets, QR orders, refunds and
// merchant notifications. sqlstore implements it for both databases.
type QRStore interface {
	// PutWalletChannel inserts or replaces a channel by name (its key
	// sealed). EINVALID without a name or key.
	PutWalletChannel(ctx context.Context, c *WalletChannel) error
	// WalletChannels returns every channel in Position order, keys opened.
	WalletChannels(ctx context.Context) ([]*WalletChannel, error)
	// PutMerchantWallet inserts or replaces a merchant's wallet settings.
	PutMerchantWallet(ctx context.Context, w *MerchantWallet) error
	// MerchantWallet returns a merchant's wallet; ENOTFOUND if it has none.
	MerchantWallet(ctx context.Context, merchantID string) (*MerchantWallet, error)

	// CreateQROrder journals o. When o is paying its OutTradeNo becomes
	// tradePrefix + its ID on 12 digits. A final o with a NotifyURL queues
	// its notification. If the merchant already has an order with
	// o.OutOrderNo, nothing is written and that order is returned with
	// created false.
	CreateQROrder(ctx context.Context, o *QROrder, tradePrefix string) (got *QROrder, created bool, err error)
	// CreateQROrderWithin is CreateQROrder for an order that must keep its
	// merchant within limit: when o is paying, the same transaction that
	// inserts it counts the merchant's succeeded and paying orders created
	// in [limit.From, limit.To) and, if o would take them over limit.Amount
	// or limit.Count, journals o failed instead (reason qr.daily_amount,
	// else qr.daily_count; no task, no out_trade_no). Concurrent calls for
	// one merchant, from every instance sharing the database, are
	// serialized: the check and the insert are one step, so the limit is
	// never passed however many orders arrive at once.
	CreateQROrderWithin(ctx context.Context, o *QROrder, tradePrefix string, limit QRDailyLimit) (got *QROrder, created bool, err error)
	// QROrder returns an order; ENOTFOUND if none.
	QROrder(ctx context.Context, id int64) (*QROrder, error)
	// QROrderByTradeNo returns the order with out_trade_no; ENOTFOUND.
	QROrderByTradeNo(ctx context.Context, outTradeNo string) (*QROrder, error)
	// QROrders lists orders newest first.
	QROrders(ctx context.Context, f QROrderFilter) ([]*QROrder, error)
	// QRDailyUsage returns the amount and count of a merchant's orders
	// created in [from, to) that hold or may hold money: succeeded and
	// paying ones (a refund does not give back daily limit).
	QRDailyUsage(ctx context.Context, merchantID string, from, to time.Time) (Amount, int, error)
	// UpdateQROrder applies u and returns the order after it. ENOTFOUND for
	// an unknown ID; ECONFLICT when u.From or u.FromTask does not hold.
	UpdateQROrder(ctx context.Context, u QROrderUpdate) (*QROrder, error)
	// ResumeQRQueues makes every order task, refund and pending
	// notification due at now (a host that starts has nothing in flight).
	ResumeQRQueues(ctx context.Context, now time.Time) error
	// DueQROrders returns orders with a task due at now, oldest first.
	DueQROrders(ctx context.Context, now time.Time, limit int) ([]*QROrder, error)

	// CreateQRRefund journals a refund processing with task send,
	// reserving its amount. If the merchant already has r.OutRefundNo,
	// nothing is written and it is returned with created false. ENOTFOUND
	// for an unknown order; ECONFLICT when the order is not succeeded (an
	// internal refund: not paid at the channel is not checked) or the
	// amount is above what is refundable (message starting "amount:").
	// RefundNo becomes refundPrefix + its ID on 12 digits.
	CreateQRRefund(ctx context.Context, r *QRRefund, refundPrefix string) (got *QRRefund, created bool, err error)
	// QRRefund returns a refund; ENOTFOUND.
	QRRefund(ctx context.Context, id int64) (*QRRefund, error)
	// QRRefunds returns an order's refunds, oldest first.
	QRRefunds(ctx context.Context, orderID int64) ([]*QRRefund, error)
	// QRRefundExchanges returns every exchange with the channel about the
	// refunds of an order, oldest first (none: an empty list).
	QRRefundExchanges(ctx context.Context, orderID int64) ([]*QRRefundExchange, error)
	// UpdateQRRefund applies u; ENOTFOUND, ECONFLICT when u.From does not hold.
	UpdateQRRefund(ctx context.Context, u QRRefundUpdate) (*QRRefund, error)
	// DueQRRefunds returns refunds with a task due at now, oldest first.
	DueQRRefunds(ctx context.Context, now time.Time, limit int) ([]*QRRefund, error)

	// UnpostedQR returns succeeded orders and succeeded refunds the ledger
	// has not posted yet, oldest first, at most limit of each. Only what a
	// posting needs is filled in: an order's ID, MerchantID, Amount,
	// State, PaidAt and UpdatedAt; a refund's ID, OrderID, MerchantID,
	// Amount, State, Internal and UpdatedAt.
	// An order or refund is unposted from the transaction that makes it
	// succeeded until MarkQRPosted, across restarts.
	UnpostedQR(ctx context.Context, limit int) ([]*QROrder, []*QRRefund, error)
	// MarkQRPosted records that the ledger posted these orders and refunds;
	// ids not unposted (marked already, or never succeeded) are ignored.
	MarkQRPosted(ctx context.Context, orderIDs, refundIDs []int64) error

	// DueQRNotices returns pending notifications due at now, oldest first.
	DueQRNotices(ctx context.Context, now time.Time, limit int) ([]*QRNotice, error)
	// QRNotices returns an order's notifications, oldest first.
	QRNotices(ctx context.Context, orderID int64) ([]*QRNotice, error)
	// QRNoticeAttempted records an attempt: delivered, or failed with
	// lastErr and the next attempt (state abandoned when abandon is set);
	// caseOpened marks that a case was opened for it. ENOTFOUND.
	QRNoticeAttempted(ctx context.Context, id int64, delivered bool, next time.Time, lastErr string, abandon, caseOpened bool) error
}
