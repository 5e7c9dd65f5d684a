package sqlstore

import (
	"encoding/json"

	"github.com/posguard/posguard"
)

// CaseRow checks c before it is opened and returns its txn_ids column (the
// linked transaction IDs as JSON): EINVALID without a valid kind, status and
// priority.
func CaseRow(c *posguard.Case) (txnIDs []byte, err error) {
	if c == nil || !c.Kind.Valid() || !c.Status.Valid() || !c.Priority.Valid() {
		return nil, posguard.Errorf(posguard.EINVALID, "open case: kind, status and priority are required")
	}
	ids, err := json.Marshal(c.TxnIDs)
	if err != nil {
		return nil, posguard.WrapError(posguard.EINTERNAL, err, "encode case transactions")
	}
	return ids, nil
}

// CaseFromRow fills the fields of c that are stored as text or JSON:
// kind, status, priority, amount and the txn_ids column.
func CaseFromRow(c *posguard.Case, kind, status, prio string, amount int64, txnIDs string) error {
	c.Kind, c.Status, c.Priority, c.Amount = posguard.CaseKind(kind), posguard.CaseStatus(status), posguard.Priority(prio), posguard.Amount(amount)
	if err := json.Unmarshal([]byte(txnIDs), &c.TxnIDs); err != nil {
		return posguard.WrapError(posguard.EINTERNAL, err, "decode case transactions")
	}
	return nil
}

// CheckCaseStatus is the precondition of a case update: ECONFLICT when from
// is set and the case's current status cur differs.
func CheckCaseStatus(id int64, cur string, from posguard.CaseStatus) error {
	if from != "" && posguard.CaseStatus(cur) != from {
		return posguard.Errorf(posguard.ECONFLICT, "case %d is %s, not %s", id, cur, from)
	}
	return nil
}

// CaseNotFound is the error for an unknown case ID.
func CaseNotFound(id int64) error {
	return posguard.Errorf(posguard.ENOTFOUND, "case %d not found", id)
}
