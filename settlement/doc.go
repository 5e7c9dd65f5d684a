// Package settlement turns the ledger's settlement items into merchant
// payouts: fee plans and card kinds (the ledger's Pricer), T+1 settlement by
// settlement date, D0 same-day settlement on request, pending-review holds
// for large amounts, where each transaction's money is, the refund guard
// against a merchant's unsettled balance, and statements.
//
// Settling is idempotent: a batch takes the items no batch has taken, so a
// second run for the same date finds nothing and changes nothing. See
// docs/settlement.md.
package settlement
