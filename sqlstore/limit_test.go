package sqlstore

import (
	"reflect"
	"testing"
	"time"

	"github.com/posguard/posguard"
)

func TestPageLimit(t *testing.T) {
	for _, c := range []struct{ in, want int }{{-1, 50}, {0, 50}, {7, 7}, {1000, 1000}, {1001, 1000}} {
		if got := pageLimit(c.in, 50, 1000); got != c.want {
			t.Errorf("pageLimit(%d, 50, 1000) = %d, want %d", c.in, got, c.want)
		}
	}
}

func TestArgsEq(t *testing.T) {
	a := Args{}
	got := a.Eq("merchant_id", "M1", "rule", "", "txn_id", int64(0), "state", "open")
	if got != " AND merchant_id = ? AND state = ?" || len(a.List) != 2 || a.List[1] != "open" {
		t.Fatalf("Eq: %q %v", got, a.List)
	}
	// Bounds, named types and times; unset ones are left out.
	from := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	a = Args{T: func(t time.Time) any { return t.UnixNano() }}
	got = a.Eq("state", posguard.StateApproved, "amount", posguard.Amount(5), "at >=", from, "at <", time.Time{}, "id <", int64(9))
	want := []any{"approved", int64(5), from.UnixNano(), int64(9)}
	if got != " AND state = ? AND amount = ? AND at >= ? AND id < ?" || !reflect.DeepEqual(a.List, want) {
		t.Fatalf("Eq: %q %#v", got, a.List)
	}
}
