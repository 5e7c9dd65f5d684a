// Package casework handles exception cases: a failed reversal, a late
// approval that was reversed, a suspected "charged but failed", a merchant
// complaint. Each case records the transactions and money involved, the
// cause from the diagnosis knowledge base, a priority and due time from the
// amount and age (see SLA), a status (open → investigating →
// waiting_merchant → resolved → closed), an assignee, and a timeline of
// cause found (原因), steps taken (处理过程) and outcome (处理结果). An
// evidence export renders a case as JSON or printable text with masked card
// numbers only.
//
// The Service's OnReversalFailed, OnLateApproval and OnChargedButFailed are
// the hooks the switch and the reversal worker call; Scan finds
// transactions the terminal was told failed whose reversal is still not
// acknowledged after a while.
package casework
