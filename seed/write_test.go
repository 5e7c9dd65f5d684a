package seed

import (
	"reflect"
	"testing"
)

func TestMarshalRoundTrip(t *testing.T) {
	w, err := Demo()
	if err != nil {
		t.Fatal(err)
	}
	b, err := Marshal(w)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse(b, "marshalled.yaml")
	if err != nil {
		t.Fatalf("Parse(Marshal(demo)): %v", err)
	}
	for i, m := range w.Merchants {
		if !m.StatusSince.Equal(back.Merchants[i].StatusSince) {
			t.Fatalf("merchant %s: status_since %v, want %v", m.ID, back.Merchants[i].StatusSince, m.StatusSince)
		}
		back.Merchants[i].StatusSince = m.StatusSince
	}
	if !reflect.DeepEqual(w, back) {
		t.Fatalf("round trip changed the world:\n%s", b)
	}
}
