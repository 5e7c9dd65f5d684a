package sqlstore

import (
	"errors"

	"github.com/posguard/posguard"
)

// CheckCompletion is the precondition of completing reversal id, whose
// stored row (read by the store) reverses txnID and is in state: ECONFLICT
// unless the reversal is pending; EINVALID when u names another transaction
// or would queue another reversal. A zero u.ID is set to txnID.
func CheckCompletion(id, txnID int64, state string, u *posguard.TxnUpdate) error {
	if state != string(posguard.ReversalPending) {
		return posguard.Errorf(posguard.ECONFLICT, "reversal %d is already %s", id, state)
	}
	if u.ID == 0 {
		u.ID = txnID
	} else if u.ID != txnID {
		return posguard.Errorf(posguard.EINVALID, "reversal %d reverses transaction %d, not %d", id, txnID, u.ID)
	}
	if u.QueueReversal != nil {
		return posguard.Errorf(posguard.EINVALID, "reversal %d: completion cannot queue another reversal", id)
	}
	return nil
}

// CheckCompletionRow reads, from row (SELECT txn_id, state FROM reversals
// WHERE id = …), what CheckCompletion needs and checks it: ENOTFOUND when
// there is no row. A driver error is returned as it is, for the caller to
// map.
func CheckCompletionRow(row interface{ Scan(...any) error }, id int64, u *posguard.TxnUpdate) error {
	var txnID int64
	var state string
	err := row.Scan(&txnID, &state)
	if err != nil {
		if errors.Is(err, ErrNoRows) {
			return ReversalNotFound(id)
		}
		return err
	}
	return CheckCompletion(id, txnID, state, u)
}

// ReversalNotFound is the error for an unknown reversal ID.
func ReversalNotFound(id int64) error {
	return posguard.Errorf(posguard.ENOTFOUND, "reversal %d not found", id)
}

// NoPendingReversal is the error for a transaction without a pending
// reversal.
func NoPendingReversal(txnID int64) error {
	return posguard.Errorf(posguard.ENOTFOUND, "no pending reversal for transaction %d", txnID)
}
