package iso8583

import (
	"bytes"
	"errors"
	"testing"
)

func TestParseTLV(t *testing.T) {
	// 9F26 (ARQC, 8 bytes), 82 AIP, 70 constructed template holding 5F34
	// and 9F10, and a long-form length (81 80 = 128 bytes) on DF01.
	long := bytes.Repeat([]byte{0xAB}, 128)
	data := mustHex(t, "9F2608 0102030405060708 8202 7C00 7008 5F3401 01 9F1001 00")
	data = append(data, 0xDF, 0x01, 0x81, 0x80)
	data = append(data, long...)

	items, err := ParseTLV(data)
	if err != nil {
		t.Fatalf("ParseTLV: %v", err)
	}
	if len(items) != 4 {
		t.Fatalf("got %d items, want 4: %+v", len(items), items)
	}
	wantTags := []uint32{0x9F26, 0x82, 0x70, 0xDF01}
	for i, tag := range wantTags {
		if items[i].Tag != tag {
			t.Errorf("item %d tag %X, want %X", i, items[i].Tag, tag)
		}
	}
	if !bytes.Equal(items[0].Value, mustHex(t, "0102030405060708")) {
		t.Errorf("9F26 = % X", items[0].Value)
	}
	tpl := items[2]
	if !tpl.Constructed() || len(tpl.Children) != 2 || tpl.Children[0].Tag != 0x5F34 || tpl.Children[1].Tag != 0x9F10 {
		t.Errorf("template = %+v", tpl)
	}
	if !bytes.Equal(items[3].Value, long) {
		t.Errorf("DF01 has %d bytes, want 128", len(items[3].Value))
	}
	if v, ok := FindTLV(items, 0x9F10); !ok || !bytes.Equal(v.Value, []byte{0}) {
		t.Errorf("FindTLV(9F10) = %+v, %v", v, ok)
	}
	if _, ok := FindTLV(items, 0x9F37); ok {
		t.Error("FindTLV found an absent tag")
	}

	// Re-encoding gives the same bytes (the input used shortest lengths and
	// no padding).
	if got := AppendTLV(nil, items...); !bytes.Equal(got, data) {
		t.Errorf("AppendTLV = % X\nwant        % X", got, data)
	}
}

func TestAppendTLVBuildsFromChildren(t *testing.T) {
	got := AppendTLV([]byte{0xEE}, TLV{Tag: 0x70, Children: []TLV{{Tag: 0x9F37, Value: []byte{1, 2, 3, 4}}}}, TLV{Tag: 0x95, Value: make([]byte, 5)})
	want := mustHex(t, "EE 7007 9F3704 01020304 9505 0000000000")
	if !bytes.Equal(got, want) {
		t.Errorf("AppendTLV = % X, want % X", got, want)
	}
	big := AppendTLV(nil, TLV{Tag: 0x9F10, Value: make([]byte, 300)})
	if !bytes.Equal(big[:5], mustHex(t, "9F10 82012C")) {
		t.Errorf("long length = % X", big[:5])
	}
}

func TestParseTLVErrors(t *testing.T) {
	tests := []struct {
		name string
		data string
		off  int
	}{
		{"tag past end", "9F", 0},
		{"no length", "82", 0},
		{"value past end", "8205 0102", 0},
		{"long length past end", "8282 01", 1},
		{"indefinite length", "8280", 1},
		{"length of length 5", "8285 0000000001", 1},
		{"tag over 4 bytes", "9FFFFFFF01 00", 0},
		{"bad child", "7003 9F2605", 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseTLV(mustHex(t, tc.data))
			var te *TLVError
			if !errors.As(err, &te) {
				t.Fatalf("err = %v, want *TLVError", err)
			}
			if te.Offset != tc.off {
				t.Errorf("offset = %d, want %d (%v)", te.Offset, tc.off, err)
			}
		})
	}
}

func TestParseTLVPadding(t *testing.T) {
	items, err := ParseTLV(mustHex(t, "00 8201 7C FF FF 9501 00 00"))
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 2 || items[0].Tag != 0x82 || items[1].Tag != 0x95 {
		t.Errorf("items = %+v", items)
	}
}

func TestParseTLVDepth(t *testing.T) {
	// 40 nested constructed tags: rejected, not a stack overflow.
	var data []byte
	for i := 0; i < 40; i++ {
		data = AppendTLV(nil, TLV{Tag: 0x70, Value: data})
	}
	if _, err := ParseTLV(data); err == nil {
		t.Error("deep nesting accepted")
	}
}

func TestIssuerAnswer(t *testing.T) {
	arpc := []byte{0x91, 0x0A, 1, 2, 3, 4, 5, 6, 7, 8, 0x30, 0x30}
	arc := []byte{0x8A, 0x02, 0x30, 0x30}
	script := []byte{0x72, 0x07, 0x9F, 0x18, 0x04, 0, 0, 0, 1}
	card := []byte{0x5A, 0x08, 0x62, 0x25, 0x88, 0, 0, 0, 0, 0x19} // a PAN a network echoed
	in := append(append(append(append([]byte{}, card...), arpc...), arc...), script...)
	got, err := IssuerAnswer(in)
	if err != nil {
		t.Fatal(err)
	}
	if want := append(append(append([]byte{}, arpc...), arc...), script...); string(got) != string(want) {
		t.Fatalf("got % X, want % X", got, want)
	}
	if got, err := IssuerAnswer(card); err != nil || got != nil {
		t.Fatalf("no issuer data: % X %v", got, err)
	}
	if _, err := IssuerAnswer([]byte{0x91, 0x05, 1}); err == nil {
		t.Fatal("truncated TLV accepted")
	}
	long := AppendTLV(nil, TLV{Tag: TagScript2, Value: make([]byte, 300)})
	if _, err := IssuerAnswer(long); err == nil {
		t.Fatal("issuer data over 255 bytes accepted")
	}
}
