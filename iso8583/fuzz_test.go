package iso8583

import (
	"bytes"
	"testing"
)

// FuzzUnpack checks that no input panics Unpack, that UnpackPooled (into a
// message used before) decodes exactly what Unpack does, and that whatever
// Unpack accepts packs and unpacks back to the same MTI and field values.
func FuzzUnpack(f *testing.F) {
	seeds := []string{
		"0200 4000000020000000 15 622588000000001F 21 6225880000000018D2812F",
		"0800 A000000000000000 0400000000000001 990000 0010 4142434445464748",
		"0200 7000000000000000 16 6225880000000018 000000 303030303030303030313030",
		"0200 0000000000100000 3033 414243",
		"0200 0000000000000000",
		"0200 8000000000000000 0000000000000000",
		"0200 0000000000008200 303031 37 0003 9F2600",
		"02A0",
		"",
	}
	for _, s := range seeds {
		f.Add(mustHex(f, s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := testSpec.Unpack(data)
		used := AcquireMessage("0210") // a used message back in the pool
		used.Set(2, "6225880000000018")
		used.Set(39, "00")
		ReleaseMessage(used)
		p, perr := testSpec.UnpackPooled(data)
		if (err == nil) != (perr == nil) || (m == nil) != (p == nil) {
			t.Fatalf("Unpack: %v, %v; UnpackPooled: %v, %v", m, err, p, perr)
		}
		if p != nil {
			sameMessage(t, p, m)
			ReleaseMessage(p)
		}
		if err != nil {
			return
		}
		packed, err := testSpec.Pack(m)
		if err != nil {
			t.Fatalf("Pack of an unpacked message: %v", err)
		}
		u, err := testSpec.Unpack(packed)
		if err != nil {
			t.Fatalf("Unpack of a packed message: %v", err)
		}
		sameMessage(t, u, m)
	})
}

// sameMessage fails t unless got has want's MTI, fields and values.
func sameMessage(t *testing.T, got, want *Message) {
	t.Helper()
	if got.MTI != want.MTI {
		t.Fatalf("MTI %q, want %q", got.MTI, want.MTI)
	}
	if !equalInts(got.Fields(), want.Fields()) {
		t.Fatalf("fields %v, want %v", got.Fields(), want.Fields())
	}
	for _, n := range want.Fields() {
		if got.Get(n) != want.Get(n) {
			t.Fatalf("field %d = %q, want %q", n, got.Get(n), want.Get(n))
		}
	}
}

// FuzzParseTLV checks that no input panics ParseTLV and that parsed data
// re-encodes to data that parses to the same objects.
func FuzzParseTLV(f *testing.F) {
	for _, s := range []string{
		"9F2608 0102030405060708 8202 7C00 7008 5F3401 01 9F1001 00",
		"DF0181 80",
		"00 8201 7C FF 9501 00",
		"8284 00000001 00",
		"7003 9F2605",
		"",
	} {
		f.Add(mustHex(f, s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		items, err := ParseTLV(data)
		if err != nil {
			return
		}
		again, err := ParseTLV(AppendTLV(nil, items...))
		if err != nil {
			t.Fatalf("re-parse: %v", err)
		}
		if !sameTLV(items, again) {
			t.Fatalf("round trip changed\n%+v\n%+v", items, again)
		}
	})
}

// sameTLV compares tags, primitive values and children; the raw Value of a
// constructed object with children may legitimately change (padding,
// length forms).
func sameTLV(a, b []TLV) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Tag != b[i].Tag || len(a[i].Children) != len(b[i].Children) {
			return false
		}
		if len(a[i].Children) == 0 && !bytes.Equal(a[i].Value, b[i].Value) {
			return false
		}
		if !sameTLV(a[i].Children, b[i].Children) {
			return false
		}
	}
	return true
}

// FuzzIssuerAnswer: no input panics; a result parses again, holds only the
// issuer's tags, fits field 55, and filtering it again changes nothing.
func FuzzIssuerAnswer(f *testing.F) {
	f.Add([]byte{0x91, 0x0A, 1, 2, 3, 4, 5, 6, 7, 8, 0x30, 0x30, 0x8A, 0x02, 0x30, 0x30})
	f.Add([]byte{0x9F, 0x26, 0x08, 1, 2, 3, 4, 5, 6, 7, 8, 0x72, 0x05, 0x9F, 0x18, 0x02, 0x00, 0x01})
	f.Add([]byte{0x72, 0x81, 0x02, 0x86, 0x00, 0x00, 0xFF})
	f.Add([]byte{0x91, 0x84, 0xFF, 0xFF, 0xFF, 0xFF})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		out, err := IssuerAnswer(b)
		if err != nil {
			return
		}
		if len(out) > MaxICCLen {
			t.Fatalf("%d bytes", len(out))
		}
		items, err := ParseTLV(out)
		if err != nil {
			t.Fatalf("result does not parse: %v", err)
		}
		for _, x := range items {
			switch x.Tag {
			case TagIssuerAuthData, TagAuthRespCode, TagScript1, TagScript2:
			default:
				t.Fatalf("tag %X kept", x.Tag)
			}
		}
		again, err := IssuerAnswer(out)
		if err != nil || string(again) != string(out) {
			t.Fatalf("not stable: %X → %X (%v)", out, again, err)
		}
	})
}
