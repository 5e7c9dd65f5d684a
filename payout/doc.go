// Package payout pays settled money to merchants' settlement accounts over
// a bank link, and keeps it safe when that fails (到账失败): a failed or
// returned (退汇) payout moves the money to held for the merchant, opens a
// case naming the reason and the fix, and once the account is corrected and
// re-verified an operator re-settles it (重新结算), paid exactly once.
//
// Payouts are idempotent by payout ID: the runner marks a payout submitted
// before calling the bank, and a payout left submitted (lost answer, crash)
// is submitted again under the same ID, which the bank answers with the
// first outcome instead of paying again.
package payout
