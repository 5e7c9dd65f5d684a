package posguard

import "strings"

// Internal reason codes. Each names exactly one cause posguard itself found;
// the reason table below (reasonTable) gives each its field 39 code and its
// HTTP status, and the diagnosis knowledge base (diagnosis/) explains each in
// Chinese and English under the same key. Codes an issuer sent are recorded
// as "issuer.<code>".
const (
	ReasonApproved = "approved"

	ReasonFormat                = "message.format"              // 30
	ReasonMACMissing            = "security.mac_missing"        // A0
	ReasonMACInvalid            = "security.mac_invalid"        // A0
	ReasonPINBlock              = "security.pin_block"          // 99
	ReasonTerminalUnknown       = "terminal.unknown"            // 97
	ReasonTerminalDisabled      = "terminal.disabled"           // 97
	ReasonNotSignedOn           = "terminal.not_signed_on"      // 77
	ReasonBatchMismatch         = "terminal.batch_mismatch"     // 77
	ReasonMerchantUnknown       = "merchant.unknown"            // 03
	ReasonMerchantKYC           = "merchant.kyc_pending"        // 03
	ReasonMerchantFrozen        = "merchant.frozen"             // 03
	ReasonMerchantClosed        = "merchant.closed"             // 03
	ReasonTypeNotAllowed        = "merchant.type_not_allowed"   // 58
	ReasonDuplicate             = "idempotency.other_content"   // 94
	ReasonLimitPerTxn           = "limit.per_txn"               // 61
	ReasonLimitDailyAmount      = "limit.daily_amount"          // 61
	ReasonLimitDailyCount       = "limit.daily_count"           // 65
	ReasonLimitCardAmount       = "limit.card_daily_amount"     // 61: one card at the merchant in a day
	ReasonLimitCardCount        = "limit.card_daily_count"      // 65
	ReasonLimitTerminalAmount   = "limit.terminal_daily_amount" // 61: one terminal in a day
	ReasonLimitTerminalCount    = "limit.terminal_daily_count"  // 65
	ReasonContactlessPIN        = "contactless.pin_required"    // 55: contactless without PIN above the no-PIN limit
	ReasonContactlessNoPINCount = "contactless.no_pin_count"    // 65: too many no-PIN contactless reads of one card
	ReasonOriginalNotFound      = "original.not_found"          // 25
	ReasonOriginalNotApproved   = "original.not_approved"       // 12
	ReasonOriginalVoided        = "original.already_voided"     // 12
	ReasonOriginalReversed      = "original.reversed"           // 12
	ReasonOriginalOtherDay      = "original.other_day"          // 12
	ReasonVoidAmount            = "void.amount_mismatch"        // 64
	ReasonVoidOtherTerminal     = "void.other_terminal"         // 58
	ReasonRefundSameDay         = "refund.same_day"             // 12
	ReasonRefundOtherCard       = "refund.other_card"           // 14
	ReasonRefundOverAmount      = "refund.over_amount"          // 13
	ReasonRefundManualEntry     = "refund.manual_entry"         // 12
	ReasonRefundMerchantBalance = "refund.merchant_balance"     // 13: more than the merchant still has unsettled
	ReasonPreAuthNotFound       = "preauth.not_found"           // 25
	ReasonPreAuthCompleted      = "preauth.already_completed"   // 12
	ReasonPreAuthCancelled      = "preauth.cancelled"           // 12
	ReasonPreAuthExpired        = "preauth.expired"             // 12
	ReasonPreAuthReversed       = "preauth.reversed"            // 12
	ReasonCancelAmount          = "preauth.cancel_amount"       // 64
	ReasonCompletionOtherCard   = "completion.other_card"       // 14
	ReasonCompletionOverAmount  = "completion.over_amount"      // 13: above 115 % of the pre-auth
	ReasonNetworkTimeout        = "network.timeout"             // 98
	ReasonNetworkDown           = "network.unavailable"         // 91
	ReasonNetworkBadAnswer      = "network.bad_answer"          // 96
	ReasonHostFault             = "host.fault"                  // 96
	ReasonSignOnRate            = "terminal.sign_on_rate"       // 96: too many sign-ons of one terminal
	ReasonRiskDeclined          = "risk.declined"               // 59: a risk rule declined the payment
	ReasonRiskFrozen            = "risk.frozen"                 // 59: a risk rule declined it and froze the merchant

	ReasonReversalQueued    = "reversal.queued"                // 00: the host queued an upstream reversal
	ReasonReversalDone      = "reversal.acknowledged"          // 00: the network acknowledged it
	ReasonReversalUnknown   = "reversal.original_unknown"      // 00: nothing to reverse
	ReasonReversalNotNeeded = "reversal.original_not_approved" // 00: original failed
	ReasonReversalAlready   = "reversal.already_reversed"      // 00
	ReasonReversalAmount    = "reversal.amount_mismatch"       // 25
	ReasonReversalRetrying  = "reversal.retrying"              // 00: past its attempt limit, still retried
	ReasonLateApproval      = "network.late_approval"          // 98: approval after timeout, reversed

	ReasonSettleBalanced   = "settlement.balanced"   // 00
	ReasonSettleUnbalanced = "settlement.unbalanced" // 00

	// Payout and settlement-item reasons: they never reach a terminal and
	// have no field 39 code.
	ReasonAccountFrozen = "settlement.account_frozen"
	ReasonAccountClosed = "settlement.account_closed"
	ReasonNameMismatch  = "settlement.name_mismatch"
	ReasonBankReturn    = "settlement.bank_return"
	ReasonRiskHold      = "settlement.risk_hold"
	ReasonPendingReview = "settlement.pending_review"
	// Disputes (dispute/): the causes of their cases.
	ReasonRetrievalRequest = "settlement.retrieval_request" // 调单: the network asks for the slip
	ReasonChargeback       = "settlement.chargeback"        // 拒付: the network took the sale back
	ReasonDisputeDeadline  = "settlement.dispute_deadline"  // no response before the deadline: lost
	// ReasonBatchUploadMismatch: a terminal's batch upload (0320) differs
	// from the journal (a case lists each item); it never reaches a
	// terminal (the upload is answered 00).
	ReasonBatchUploadMismatch = "settlement.batch_upload_mismatch"

	// QR order and refund reasons (spec/wallet-channel.md §4.6): they
	// never reach a terminal and have no field 39 code.
	ReasonQRCodeUnknown          = "qr.code_unknown"
	ReasonQRChannelNotConfigured = "qr.channel_not_configured"
	ReasonQRMerchantNotEnabled   = "qr.merchant_not_enabled"
	ReasonQRCodeExpired          = "qr.code_expired"
	ReasonQRCodeInvalid          = "qr.code_invalid"
	ReasonQRInsufficient         = "qr.insufficient"
	ReasonQRRefused              = "qr.refused"
	ReasonQRClosedByChannel      = "qr.closed_by_channel"
	ReasonQRNotConfirmed         = "qr.not_confirmed"
	ReasonQRChannelRejected      = "qr.channel_rejected"
	ReasonQRExpired              = "qr.expired"
	ReasonQRRefundExceeds        = "qr.refund_exceeds"
	ReasonQRRefundState          = "qr.refund_state"
	ReasonQRRefundFailed         = "qr.refund_failed"
	// A QR order over the merchant's daily limits (limits.daily,
	// limits.daily_count) counted over its QR orders of the day.
	ReasonQRDailyAmount = "qr.daily_amount"
	ReasonQRDailyCount  = "qr.daily_count"

	// Reconciliation of a wallet channel's day bill (recon/qr.go): the
	// causes of the cases of its exceptions; they never reach a terminal.
	ReasonReconQRChannelOnly    = "recon.qr_channel_only"
	ReasonReconQRJournalOnly    = "recon.qr_journal_only"
	ReasonReconQRAmountMismatch = "recon.qr_amount_mismatch"
	ReasonReconQRStateMismatch  = "recon.qr_state_mismatch"
	ReasonReconQRRefundMismatch = "recon.qr_refund_mismatch"
	ReasonReconQRFeeMismatch    = "recon.qr_fee_mismatch"
)

// ReasonSpec is what one reason means at each edge of posguard.
type ReasonSpec struct {
	// Reason is the internal reason code, also the key of its entry in the
	// diagnosis knowledge base.
	Reason string
	// Code is the field 39 response code a terminal sees; "" for a reason
	// that never reaches a terminal (payouts).
	Code string
	// HTTPStatus is the status of an API answer that reports this reason
	// as its outcome (200 done, 202 accepted and still running, 4xx refused
	// by a rule, 5xx a fault of posguard or a dependency).
	HTTPStatus int
}

// reasonTable is the one table of reasons, as data. diagnosis/ tests it
// against the knowledge base both ways; switch/ answers with the codes
// found here and never writes a field 39 code of its own.
var reasonTable = []ReasonSpec{
	{ReasonApproved, "00", 200},

	{ReasonFormat, "30", 400},
	{ReasonMACMissing, "A0", 401},
	{ReasonMACInvalid, "A0", 401},
	{ReasonPINBlock, "99", 422},
	{ReasonTerminalUnknown, "97", 404},
	{ReasonTerminalDisabled, "97", 403},
	{ReasonNotSignedOn, "77", 409},
	{ReasonBatchMismatch, "77", 409},
	{ReasonMerchantUnknown, "03", 404},
	{ReasonMerchantKYC, "03", 403},
	{ReasonMerchantFrozen, "03", 403},
	{ReasonMerchantClosed, "03", 403},
	{ReasonTypeNotAllowed, "58", 403},
	{ReasonDuplicate, "94", 409},
	{ReasonLimitPerTxn, "61", 422},
	{ReasonLimitDailyAmount, "61", 422},
	{ReasonLimitDailyCount, "65", 422},
	{ReasonLimitCardAmount, "61", 422},
	{ReasonLimitCardCount, "65", 422},
	{ReasonLimitTerminalAmount, "61", 422},
	{ReasonLimitTerminalCount, "65", 422},
	{ReasonContactlessPIN, "55", 422},
	{ReasonContactlessNoPINCount, "65", 422},
	{ReasonOriginalNotFound, "25", 404},
	{ReasonOriginalNotApproved, "12", 409},
	{ReasonOriginalVoided, "12", 409},
	{ReasonOriginalReversed, "12", 409},
	{ReasonOriginalOtherDay, "12", 409},
	{ReasonVoidAmount, "64", 422},
	{ReasonVoidOtherTerminal, "58", 403},
	{ReasonRefundSameDay, "12", 409},
	{ReasonRefundOtherCard, "14", 422},
	{ReasonRefundOverAmount, "13", 422},
	{ReasonRefundManualEntry, "12", 422},
	{ReasonRefundMerchantBalance, "13", 422},
	{ReasonPreAuthNotFound, "25", 404},
	{ReasonPreAuthCompleted, "12", 409},
	{ReasonPreAuthCancelled, "12", 409},
	{ReasonPreAuthExpired, "12", 409},
	{ReasonPreAuthReversed, "12", 409},
	{ReasonCancelAmount, "64", 422},
	{ReasonCompletionOtherCard, "14", 422},
	{ReasonCompletionOverAmount, "13", 422},
	{ReasonNetworkTimeout, "98", 504},
	{ReasonNetworkDown, "91", 503},
	{ReasonSignOnRate, "96", 429},
	{ReasonRiskDeclined, "59", 403},
	{ReasonRiskFrozen, "59", 403},
	{ReasonNetworkBadAnswer, "96", 502},
	{ReasonHostFault, "96", 500},

	{ReasonReversalQueued, "00", 202},
	{ReasonReversalDone, "00", 200},
	{ReasonReversalUnknown, "00", 200},
	{ReasonReversalNotNeeded, "00", 200},
	{ReasonReversalAlready, "00", 200},
	{ReasonReversalAmount, "25", 422},
	{ReasonReversalRetrying, "00", 202},
	{ReasonLateApproval, "98", 504},

	{ReasonSettleBalanced, "00", 200},
	{ReasonSettleUnbalanced, "00", 200},

	{ReasonAccountFrozen, "", 422},
	{ReasonAccountClosed, "", 422},
	{ReasonNameMismatch, "", 422},
	{ReasonBankReturn, "", 422},
	{ReasonRiskHold, "", 202},
	{ReasonPendingReview, "", 202},
	{ReasonRetrievalRequest, "", 200},
	{ReasonChargeback, "", 200},
	{ReasonDisputeDeadline, "", 200},
	{ReasonBatchUploadMismatch, "", 409},

	{ReasonQRCodeUnknown, "", 422},
	{ReasonQRChannelNotConfigured, "", 503},
	{ReasonQRMerchantNotEnabled, "", 403},
	{ReasonQRCodeExpired, "", 422},
	{ReasonQRCodeInvalid, "", 422},
	{ReasonQRInsufficient, "", 402},
	{ReasonQRRefused, "", 403},
	{ReasonQRClosedByChannel, "", 409},
	{ReasonQRNotConfirmed, "", 504},
	{ReasonQRChannelRejected, "", 502},
	{ReasonQRExpired, "", 410},
	{ReasonQRRefundExceeds, "", 409},
	{ReasonQRRefundState, "", 409},
	{ReasonQRRefundFailed, "", 502},
	{ReasonQRDailyAmount, "", 422},
	{ReasonQRDailyCount, "", 422},
	{ReasonReconQRChannelOnly, "", 409},
	{ReasonReconQRJournalOnly, "", 409},
	{ReasonReconQRAmountMismatch, "", 409},
	{ReasonReconQRStateMismatch, "", 409},
	{ReasonReconQRRefundMismatch, "", 409},
	{ReasonReconQRFeeMismatch, "", 409},
}

// reasonIndex finds a reason's row.
var reasonIndex = func() map[string]int {
	m := make(map[string]int, len(reasonTable))
	for i, r := range reasonTable {
		if _, dup := m[r.Reason]; dup {
			panic("posguard: reason " + r.Reason + " listed twice")
		}
		m[r.Reason] = i
	}
	return m
}()

// Reasons returns a copy of the reason table, in its order.
func Reasons() []ReasonSpec { return append([]ReasonSpec(nil), reasonTable...) }

// ReasonOf returns the row of reason. An issuer reason ("issuer.51") maps to
// the issuer's code, with status 200 for an approval and 402 for a decline.
// ok is false for a reason posguard does not know.
func ReasonOf(reason string) (spec ReasonSpec, ok bool) {
	if i, ok := reasonIndex[reason]; ok {
		return reasonTable[i], true
	}
	if code, ok := strings.CutPrefix(reason, "issuer."); ok && len(code) == 2 {
		st := 402
		if ApprovedCode(code) {
			st = 200
		}
		return ReasonSpec{Reason: reason, Code: code, HTTPStatus: st}, true
	}
	return ReasonSpec{}, false
}

// ReasonCode returns the field 39 code of reason. A reason missing from the
// table, or one that never reaches a terminal, answers 96 (host fault): a
// terminal is never left without a code.
func ReasonCode(reason string) string {
	if r, ok := ReasonOf(reason); ok && r.Code != "" {
		return r.Code
	}
	return reasonTable[reasonIndex[ReasonHostFault]].Code
}

// IssuerReason returns the reason code recorded for an issuer's field 39.
func IssuerReason(code string) string { return "issuer." + code }
