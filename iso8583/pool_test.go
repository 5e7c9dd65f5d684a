package iso8583

import (
	"bytes"
	"testing"
)

// TestReleasedMessageComesBackEmpty checks that a message given back and
// taken again has no field, value or span of its previous use.
func TestReleasedMessageComesBackEmpty(t *testing.T) {
	data, err := saleSpec.Pack(saleMessage())
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		m, err := saleSpec.UnpackPooled(data)
		if err != nil {
			t.Fatal(err)
		}
		if m.Get(2) == "" {
			t.Fatal("field 2 not decoded")
		}
		ReleaseMessage(m)
		if m.MTI != "" || len(m.Fields()) != 0 || m.vals[2] != "" {
			t.Fatalf("released message not emptied: MTI %q, fields %v", m.MTI, m.Fields())
		}
		if _, _, ok := m.Span(2); ok {
			t.Fatal("released message keeps a span")
		}
		a := AcquireMessage("0210")
		if a.MTI != "0210" || len(a.Fields()) != 0 {
			t.Fatalf("acquired message not empty: MTI %q, fields %v", a.MTI, a.Fields())
		}
		a.Set(39, "00")
		ReleaseMessage(a)
	}
	ReleaseMessage(nil)
}

// TestUnpackPooledMatchesUnpack checks that a pooled unpack decodes what
// Unpack decodes, errors included: the partial message after a bad field,
// nil when the MTI cannot be read.
func TestUnpackPooledMatchesUnpack(t *testing.T) {
	good, err := saleSpec.Pack(saleMessage())
	if err != nil {
		t.Fatal(err)
	}
	for _, data := range [][]byte{good, good[:len(good)-3], good[:3], []byte("02x0"), nil} {
		want, werr := saleSpec.Unpack(data)
		got, gerr := saleSpec.UnpackPooled(data)
		if (werr == nil) != (gerr == nil) || (want == nil) != (got == nil) {
			t.Fatalf("% x: Unpack %v, %v; UnpackPooled %v, %v", data, want, werr, got, gerr)
		}
		if want == nil {
			continue
		}
		a, _ := saleSpec.Pack(want)
		b, _ := saleSpec.Pack(got)
		if want.MTI != got.MTI || !bytes.Equal(a, b) {
			t.Fatalf("% x: pooled unpack differs", data)
		}
		ReleaseMessage(got)
	}
}
