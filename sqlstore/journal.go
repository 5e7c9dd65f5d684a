package sqlstore

import (
	"encoding/json"

	"github.com/posguard/posguard"
)

// CheckInsert is EINVALID for a transaction without a type or a state.
func CheckInsert(t *posguard.Transaction) error {
	if t == nil || t.Type == "" || t.State == "" {
		return posguard.Errorf(posguard.EINVALID, "insert: a transaction needs a type and a state")
	}
	return nil
}

// InsertJSON checks t before it is journaled (see CheckInsert) and returns
// its answer and detail columns (see EncodeAnswer and EncodeDetail).
func InsertJSON(t *posguard.Transaction) (answer, detail any, err error) {
	if err := CheckInsert(t); err != nil {
		return nil, nil, err
	}
	if answer, err = EncodeAnswer(t.Answer); err != nil {
		return nil, nil, err
	}
	detail, err = EncodeDetail(t.Detail)
	return answer, detail, err
}

// EncodeAnswer returns the JSON text of a for its column, or NULL (nil) for
// no answer.
func EncodeAnswer(a *posguard.Answer) (any, error) { return encodeJSON(a, a == nil, "answer") }

// EncodeDetail returns the JSON text of d for its column, or NULL (nil) when
// d is empty.
func EncodeDetail(d map[string]string) (any, error) { return encodeJSON(d, len(d) == 0, "detail") }

// encodeJSON returns the JSON text of v (what in errors) for its column,
// or NULL (nil) when none.
func encodeJSON(v any, none bool, what string) (any, error) {
	if none {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, posguard.WrapError(posguard.EINTERNAL, err, "encode %s", what)
	}
	return string(b), nil
}

// DecodeTxnJSON fills t's Answer and Detail from their JSON columns; an
// empty column (NULL) leaves the field nil, and so does an empty object for
// Detail.
func DecodeTxnJSON[S string | []byte](t *posguard.Transaction, answer, detail S) error {
	if len(answer) > 0 {
		t.Answer = new(posguard.Answer)
		if err := json.Unmarshal([]byte(answer), t.Answer); err != nil {
			return posguard.WrapError(posguard.EINTERNAL, err, "transaction %d: decode answer", t.ID)
		}
	}
	if len(detail) > 0 {
		if err := json.Unmarshal([]byte(detail), &t.Detail); err != nil {
			return posguard.WrapError(posguard.EINTERNAL, err, "transaction %d: decode detail", t.ID)
		}
		if len(t.Detail) == 0 {
			t.Detail = nil
		}
	}
	return nil
}
