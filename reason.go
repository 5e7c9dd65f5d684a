package posguard

// Internal reason codes. Each names exactly one cause posguard itself found
// and maps to exactly one field 39 code; the diagnosis knowledge base
// (diagnosis/) explains each in Chinese and English. Codes an issuer sent are
// recorded as "issuer.<code>".
const (
	ReasonApproved = "approved"

	ReasonFormat                = "message.format"            // 30
	ReasonMACMissing            = "security.mac_missing"      // A0
	ReasonMACInvalid            = "security.mac_invalid"      // A0
	ReasonPINBlock              = "security.pin_block"        // 99
	ReasonTerminalUnknown       = "terminal.unknown"          // 97
	ReasonTerminalDisabled      = "terminal.disabled"         // 97
	ReasonNotSignedOn           = "terminal.not_signed_on"    // 77
	ReasonBatchMismatch         = "terminal.batch_mismatch"   // 77
	ReasonMerchantUnknown       = "merchant.unknown"          // 03
	ReasonMerchantKYC           = "merchant.kyc_pending"      // 03
	ReasonMerchantFrozen        = "merchant.frozen"           // 03
	ReasonMerchantClosed        = "merchant.closed"           // 03
	ReasonTypeNotAllowed        = "merchant.type_not_allowed" // 58
	ReasonDuplicate             = "idempotency.other_content" // 94
	ReasonLimitPerTxn           = "limit.per_txn"             // 61
	ReasonLimitDailyAmount      = "limit.daily_amount"        // 61
	ReasonLimitDailyCount       = "limit.daily_count"         // 65
	ReasonOriginalNotFound      = "original.not_found"        // 25
	ReasonOriginalNotApproved   = "original.not_approved"     // 12
	ReasonOriginalVoided        = "original.already_voided"   // 12
	ReasonOriginalReversed      = "original.reversed"         // 12
	ReasonOriginalOtherDay      = "original.other_day"        // 12
	ReasonVoidAmount            = "void.amount_mismatch"      // 64
	ReasonVoidOtherTerminal     = "void.other_terminal"       // 58
	ReasonRefundSameDay         = "refund.same_day"           // 12
	ReasonRefundOtherCard       = "refund.other_card"         // 14
	ReasonRefundOverAmount      = "refund.over_amount"        // 13
	ReasonRefundManualEntry     = "refund.manual_entry"       // 12
	ReasonRefundMerchantBalance = "refund.merchant_balance"   // 13: more than the merchant still has unsettled
	ReasonNetworkTimeout        = "network.timeout"           // 98
	ReasonNetworkDown           = "network.unavailable"       // 91
	ReasonNetworkBadAnswer      = "network.bad_answer"        // 96
	ReasonHostFault             = "host.fault"                // 96
	ReasonSignOnRate            = "terminal.sign_on_rate"     // 96: too many sign-ons of one terminal

	ReasonReversalQueued    = "reversal.queued"                // the host queued an upstream reversal
	ReasonReversalDone      = "reversal.acknowledged"          // the network acknowledged it
	ReasonReversalUnknown   = "reversal.original_unknown"      // 00: nothing to reverse
	ReasonReversalNotNeeded = "reversal.original_not_approved" // 00: original failed
	ReasonReversalAlready   = "reversal.already_reversed"      // 00
	ReasonReversalAmount    = "reversal.amount_mismatch"       // 25
	ReasonReversalRetrying  = "reversal.retrying"              // past its attempt limit, still retried
	ReasonLateApproval      = "network.late_approval"          // approval after timeout: reversed

	ReasonSettleBalanced   = "settlement.balanced"
	ReasonSettleUnbalanced = "settlement.unbalanced"
)

// IssuerReason returns the reason code recorded for an issuer's field 39.
func IssuerReason(code string) string { return "issuer." + code }
