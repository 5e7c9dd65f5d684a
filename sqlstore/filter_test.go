package sqlstore

import (
	"reflect"
	"testing"
	"time"

	"github.com/posguard/posguard"
)

func TestTxnFilterWhere(t *testing.T) {
	from := time.Date(2026, 3, 1, 8, 0, 0, 0, time.FixedZone("CST", 8*3600))
	f := posguard.TxnFilter{MerchantID: "898310048990001", State: posguard.StateApproved, From: from, After: 42}
	tm := func(t time.Time) any { return t.UnixNano() }
	a := Args{T: tm}
	if got, want := TxnFilterWhere(f, &a), " AND merchant_id = ? AND state = ? AND created_at >= ? AND id < ?"; got != want {
		t.Errorf("%q, want %q", got, want)
	}
	want := []any{f.MerchantID, string(f.State), from.UTC().UnixNano(), int64(42)}
	if !reflect.DeepEqual(a.List, want) {
		t.Errorf("args %v, want %v", a.List, want)
	}
	if limit := a.Add(50); limit != "?" || len(a.List) != 5 {
		t.Errorf("next placeholder %q, %d args", limit, len(a.List))
	}
	a = Args{T: tm}
	if w := TxnFilterWhere(posguard.TxnFilter{}, &a); len(w) != 0 || len(a.List) != 0 {
		t.Errorf("empty filter: %v, %v", w, a.List)
	}
}

func TestCheckCompletion(t *testing.T) {
	cases := []struct {
		name  string
		state string
		u     posguard.TxnUpdate
		code  string
		id    int64
	}{
		{"pending, id defaults", "pending", posguard.TxnUpdate{}, "", 7},
		{"pending, same id", "pending", posguard.TxnUpdate{ID: 7}, "", 7},
		{"done", "done", posguard.TxnUpdate{}, posguard.ECONFLICT, 0},
		{"other txn", "pending", posguard.TxnUpdate{ID: 8}, posguard.EINVALID, 8},
		{"queues another", "pending", posguard.TxnUpdate{QueueReversal: &posguard.Reversal{}}, posguard.EINVALID, 7},
	}
	for _, c := range cases {
		u := c.u
		err := checkCompletion(1, 7, c.state, &u)
		if posguard.ErrorCode(err) != c.code || u.ID != c.id {
			t.Errorf("%s: %v, u.ID %d; want %q, %d", c.name, err, u.ID, c.code, c.id)
		}
	}
}
