package sqlstore

import (
	"encoding/json"

	"github.com/posguard/posguard"
)

// MerchantRow checks a merchant about to be put and returns its
// allowed_types column (JSON, [] for none). EINVALID for an empty ID or an
// unknown status.
func MerchantRow(m *posguard.Merchant) (allowedTypes []byte, err error) {
	if m == nil || m.ID == "" {
		return nil, posguard.Errorf(posguard.EINVALID, "merchant: empty ID")
	}
	if !m.Status.Valid() {
		return nil, posguard.Errorf(posguard.EINVALID, "merchant %s: unknown status %q", m.ID, m.Status)
	}
	types := m.AllowedTypes
	if types == nil {
		types = []posguard.TxnType{}
	}
	allowed, err := json.Marshal(types)
	if err != nil {
		return nil, posguard.WrapError(posguard.EINTERNAL, err, "merchant %s: encode allowed types", m.ID)
	}
	return allowed, nil
}

// MerchantFromRow fills m's status, limits and allowed types from their
// columns; an empty list of allowed types reads back as nil (all allowed).
func MerchantFromRow[S string | []byte](m *posguard.Merchant, status string, perTxn, daily int64, allowed S) error {
	m.Status = posguard.MerchantStatus(status)
	m.Limits.PerTxn, m.Limits.Daily = posguard.Amount(perTxn), posguard.Amount(daily)
	if err := json.Unmarshal([]byte(allowed), &m.AllowedTypes); err != nil {
		return posguard.WrapError(posguard.EINTERNAL, err, "merchant %s: decode allowed types", m.ID)
	}
	if len(m.AllowedTypes) == 0 {
		m.AllowedTypes = nil
	}
	return nil
}

// MerchantNotFound is the error for an unknown merchant ID.
func MerchantNotFound(id string) error {
	return posguard.Errorf(posguard.ENOTFOUND, "merchant %s not found", id)
}
