package iso8583

import "testing"

// saleSpec is a UnionPay-style terminal profile subset (the real one lives
// in terminal/).
var saleSpec = func() *Spec {
	s := &Spec{Name: "bench", MTIEnc: BCD}
	n := func(max int) *Field { return &Field{Kind: N, Max: max, Enc: BCD} }
	s.Fields[2] = &Field{Kind: N, Max: 19, Prefix: 2, PrefixEnc: BCD, Enc: BCD}
	s.Fields[3] = n(6)
	s.Fields[4] = n(12)
	s.Fields[11] = n(6)
	s.Fields[14] = n(4)
	s.Fields[22] = n(3)
	s.Fields[25] = n(2)
	s.Fields[26] = n(2)
	s.Fields[35] = &Field{Kind: Z, Max: 37, Prefix: 2, PrefixEnc: BCD, Enc: BCD}
	s.Fields[41] = &Field{Kind: AN, Max: 8}
	s.Fields[42] = &Field{Kind: AN, Max: 15}
	s.Fields[49] = &Field{Kind: AN, Max: 3}
	s.Fields[52] = &Field{Kind: B, Max: 8}
	s.Fields[53] = n(16)
	s.Fields[60] = &Field{Kind: N, Max: 17, Prefix: 3, PrefixEnc: BCD, Enc: BCD}
	s.Fields[63] = &Field{Kind: AN, Max: 163, Prefix: 3, PrefixEnc: BCD}
	s.Fields[64] = &Field{Kind: B, Max: 8}
	return s
}()

func saleMessage() *Message {
	m := NewMessage("0200")
	m.Set(2, "6225880000000018")
	m.Set(3, "000000")
	m.Set(4, "000000010000")
	m.Set(11, "000123")
	m.Set(14, "2812")
	m.Set(22, "021")
	m.Set(25, "00")
	m.Set(26, "12")
	m.Set(35, "6225880000000018D28121011234")
	m.Set(41, "10000001")
	m.Set(42, "898310048990001")
	m.Set(49, "156")
	m.SetBytes(52, []byte{1, 2, 3, 4, 5, 6, 7, 8})
	m.Set(53, "2600000000000000")
	m.Set(60, "22000001000")
	m.Set(63, "001")
	m.SetBytes(64, []byte("1A2B3C4D"))
	return m
}

func BenchmarkPackSale(b *testing.B) {
	m := saleMessage()
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = saleSpec.AppendPack(buf[:0], m); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUnpackSale(b *testing.B) {
	benchUnpack(b, saleSpec.Unpack, func(*Message) {})
}

// benchUnpack measures unpack on the packed sale, done called after each.
func benchUnpack(b *testing.B, unpack func([]byte) (*Message, error), done func(*Message)) {
	data, err := saleSpec.Pack(saleMessage())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		m, err := unpack(data)
		if err != nil {
			b.Fatal(err)
		}
		done(m)
	}
}

func TestSaleRoundTrip(t *testing.T) {
	m := saleMessage()
	data, err := saleSpec.Pack(m)
	if err != nil {
		t.Fatal(err)
	}
	u, err := saleSpec.Unpack(data)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range m.Fields() {
		if u.Get(n) != m.Get(n) {
			t.Errorf("field %d = %q, want %q", n, u.Get(n), m.Get(n))
		}
	}
	if s, e, ok := u.Span(64); !ok || e != len(data) || e-s != 8 {
		t.Errorf("Span(64) = %d, %d, %v", s, e, ok)
	}
}

// BenchmarkUnpackSalePooled is BenchmarkUnpackSale with the message taken
// from the pool and given back after each decode.
func BenchmarkUnpackSalePooled(b *testing.B) {
	benchUnpack(b, saleSpec.UnpackPooled, ReleaseMessage)
}
