package iso8583

import "testing"

func TestMessageSetGet(t *testing.T) {
	m := NewMessage("0200")
	m.Set(11, "000123")
	m.SetBytes(52, []byte{1, 2, 3})
	m.Set(128, "x")
	m.Set(1, "ignored")
	m.Set(0, "ignored")
	m.Set(129, "ignored")
	m.Set(-1, "ignored")
	if got, want := m.Fields(), []int{11, 52, 128}; !equalInts(got, want) {
		t.Fatalf("Fields = %v, want %v", got, want)
	}
	if m.Get(11) != "000123" || string(m.GetBytes(52)) != "\x01\x02\x03" || m.Get(128) != "x" {
		t.Errorf("values: %q %q %q", m.Get(11), m.GetBytes(52), m.Get(128))
	}
	if m.Has(1) || m.Has(129) || m.Get(12) != "" || m.GetBytes(12) != nil {
		t.Error("absent or invalid fields reported present")
	}
	// GetBytes returns a copy.
	b := m.GetBytes(52)
	b[0] = 9
	if m.GetBytes(52)[0] != 1 {
		t.Error("GetBytes shares memory with the message")
	}
	// An empty value is present.
	m.Set(44, "")
	if !m.Has(44) {
		t.Error("empty value not present")
	}
	m.Unset(11)
	if m.Has(11) || m.Get(11) != "" {
		t.Error("Unset left the field")
	}
}

func TestMessageCloneAndSpans(t *testing.T) {
	m := NewMessage("0200")
	m.Set(3, "000000")
	m.Set(11, "000001")
	packed, err := testSpec.Pack(m)
	if err != nil {
		// field 11 has no spec in testSpec: use field 22 instead.
		m.Unset(11)
		m.Set(22, "021")
		if packed, err = testSpec.Pack(m); err != nil {
			t.Fatal(err)
		}
	}
	u, err := testSpec.Unpack(packed)
	if err != nil {
		t.Fatal(err)
	}
	c := u.Clone()
	c.Set(3, "310000")
	c.MTI = "0210"
	if u.Get(3) != "000000" || u.MTI != "0200" {
		t.Error("Clone shares state with the original")
	}
	if _, _, ok := c.Span(3); ok {
		t.Error("Span still valid after Set")
	}
	if s, e, ok := c.Span(22); !ok || s != 13 || e != 15 {
		t.Errorf("clone Span(22) = %d, %d, %v", s, e, ok)
	}
	if _, _, ok := u.Span(4); ok {
		t.Error("Span of an absent field")
	}
}
