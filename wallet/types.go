package wallet

// Header holds the fields every request carries (spec §2.1).
type Header struct {
	AppID     string `json:"app_id"`
	MchID     string `json:"mch_id"`
	Nonce     string `json:"nonce"`
	Timestamp int64  `json:"timestamp"`
}

// Result holds the fields every answer carries (spec §2.3).
type Result struct {
	ReturnCode string `json:"return_code"`
	ResultCode string `json:"result_code,omitempty"`
	ErrCode    string `json:"err_code,omitempty"`
	ErrMsg     string `json:"err_msg,omitempty"`
	AppID      string `json:"app_id"`
	MchID      string `json:"mch_id"`
	Nonce      string `json:"nonce"`
	Timestamp  int64  `json:"timestamp"`
	// OutTradeNo and OutRefundNo are echoed when the request had them.
	OutTradeNo  string `json:"out_trade_no,omitempty"`
	OutRefundNo string `json:"out_refund_no,omitempty"`
}

// Values of return_code, result_code, trade_state and refund_state.
const (
	CodeSuccess = "SUCCESS"
	CodeFail    = "FAIL"
)

// OK reports whether the request was accepted and succeeded.
func (r *Result) OK() bool { return r.ReturnCode == CodeSuccess && r.ResultCode == CodeSuccess }

// Rejected reports whether the channel refused the request before doing
// anything (return_code FAIL).
func (r *Result) Rejected() bool { return r.ReturnCode != CodeSuccess }

// Code returns the answer's err_code normalised: "" when the request
// succeeded, an err_code the spec does not name reads as SYSTEMERROR.
func (r *Result) Code() string {
	if r.OK() {
		return ""
	}
	if _, ok := errCodes[r.ErrCode]; ok {
		return r.ErrCode
	}
	return ErrSystemError
}

// Err returns nil when the answer is a success, else the answer's error
// mapped to a posguard error code (see ErrorFor).
func (r *Result) Err() error {
	if r.OK() {
		return nil
	}
	return ErrorFor(r.Code(), r.ErrMsg)
}

// result gives access to the embedded Result of every answer type.
func (r *Result) result() *Result { return r }

// Order states at the channel (trade_state, spec §2.5).
const (
	StateUserPaying = "USERPAYING"
	StateNotPay     = "NOTPAY"
	StateSuccess    = "SUCCESS"
	StateRefund     = "REFUND"
	StatePayError   = "PAYERROR"
	StateClosed     = "CLOSED"
	StateRevoked    = "REVOKED"
)

// Trade types.
const (
	TradeMicropay = "MICROPAY"
	TradeNative   = "NATIVE"
)

// Refund states.
const (
	RefundSuccess    = "SUCCESS"
	RefundProcessing = "PROCESSING"
	RefundFail       = "FAIL"
)

// MicropayRequest asks the channel to take Amount from the payer of AuthCode.
type MicropayRequest struct {
	MchID      string   `json:"-"`
	OutTradeNo string   `json:"out_trade_no"`
	AuthCode   AuthCode `json:"auth_code"`
	Amount     int64    `json:"amount"`
	Subject    string   `json:"subject"`
	TerminalID string   `json:"terminal_id,omitempty"`
}

// MicropayAnswer is the answer to /pay/micropay.
type MicropayAnswer struct {
	Result
	TransactionID string `json:"transaction_id,omitempty"`
	Amount        int64  `json:"amount,omitempty"`
	PaidAt        string `json:"paid_at,omitempty"`
	TradeState    string `json:"trade_state,omitempty"`
}

// QueryRequest asks for the state of one order.
type QueryRequest struct {
	MchID      string `json:"-"`
	OutTradeNo string `json:"out_trade_no"`
}

// QueryAnswer is the answer to /pay/query.
type QueryAnswer struct {
	Result
	TradeType      string `json:"trade_type,omitempty"`
	TradeState     string `json:"trade_state,omitempty"`
	Amount         int64  `json:"amount,omitempty"`
	TradeStateDesc string `json:"trade_state_desc,omitempty"`
	TransactionID  string `json:"transaction_id,omitempty"`
	PaidAt         string `json:"paid_at,omitempty"`
	RefundedAmount int64  `json:"refunded_amount,omitempty"`
}

// ReverseRequest asks the channel to undo an order whatever its state.
type ReverseRequest struct {
	MchID      string `json:"-"`
	OutTradeNo string `json:"out_trade_no"`
}

// ReverseAnswer is the answer to /pay/reverse. Recall "Y": call again.
type ReverseAnswer struct {
	Result
	Recall string `json:"recall,omitempty"`
}

// Done reports whether the reverse is done (SUCCESS with recall N).
func (a *ReverseAnswer) Done() bool { return a.OK() && a.Recall != "Y" }

// NativeRequest creates an order the payer pays by scanning its code_url.
type NativeRequest struct {
	MchID         string `json:"-"`
	OutTradeNo    string `json:"out_trade_no"`
	Amount        int64  `json:"amount"`
	Subject       string `json:"subject"`
	ExpireSeconds int    `json:"expire_seconds"`
	NotifyURL     string `json:"notify_url"`
}

// NativeAnswer is the answer to /pay/native.
type NativeAnswer struct {
	Result
	CodeURL   string `json:"code_url,omitempty"`
	ExpiresAt string `json:"expires_at,omitempty"`
}

// CloseRequest makes an unpaid order unpayable.
type CloseRequest struct {
	MchID      string `json:"-"`
	OutTradeNo string `json:"out_trade_no"`
}

// CloseAnswer is the answer to /pay/close.
type CloseAnswer struct {
	Result
}

// RefundRequest returns RefundAmount of a paid order.
type RefundRequest struct {
	MchID        string `json:"-"`
	OutTradeNo   string `json:"out_trade_no"`
	OutRefundNo  string `json:"out_refund_no"`
	RefundAmount int64  `json:"refund_amount"`
	Reason       string `json:"reason,omitempty"`
}

// RefundAnswer is the answer to /pay/refund and /pay/refund/query.
type RefundAnswer struct {
	Result
	RefundID     string `json:"refund_id,omitempty"`
	RefundAmount int64  `json:"refund_amount,omitempty"`
	RefundState  string `json:"refund_state,omitempty"`
}

// RefundQueryRequest asks for the state of one refund.
type RefundQueryRequest struct {
	MchID       string `json:"-"`
	OutTradeNo  string `json:"out_trade_no"`
	OutRefundNo string `json:"out_refund_no"`
}

// BillRequest asks for one sub-merchant's day bill (Date YYYY-MM-DD, UTC+08:00).
type BillRequest struct {
	MchID string `json:"-"`
	Date  string `json:"date"`
}

// BillAnswer is the answer to /bill; Bill is the CSV text (see ParseBill).
type BillAnswer struct {
	Result
	Date string `json:"date,omitempty"`
	Bill string `json:"bill,omitempty"`
}

// Notification is a channel's notice that a native order was paid (§2.6).
type Notification struct {
	Header
	OutTradeNo    string `json:"out_trade_no"`
	TransactionID string `json:"transaction_id"`
	TradeType     string `json:"trade_type"`
	TradeState    string `json:"trade_state"`
	Amount        int64  `json:"amount"`
	PaidAt        string `json:"paid_at"`
}
