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
	cases := []struct {
		dollar bool
		where  string
	}{
		{false, " AND merchant_id = ? AND state = ? AND created_at >= ? AND id < ?"},
		{true, " AND merchant_id = $1 AND state = $2 AND created_at >= $3 AND id < $4"},
	}
	for _, c := range cases {
		a := Args{Dollar: c.dollar, T: tm}
		got := TxnFilterWhere(f, &a)
		if got != c.where {
			t.Errorf("dollar=%v: %q, want %q", c.dollar, got, c.where)
		}
		want := []any{f.MerchantID, string(f.State), from.UTC().UnixNano(), int64(42)}
		if !reflect.DeepEqual(a.List, want) {
			t.Errorf("dollar=%v: args %v, want %v", c.dollar, a.List, want)
		}
		if limit := a.Add(50); (c.dollar && limit != "$5") || (!c.dollar && limit != "?") {
			t.Errorf("dollar=%v: next placeholder %q", c.dollar, limit)
		}
	}
	a := Args{T: tm}
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
