package terminal

import (
	"fmt"
	"testing"
)

func TestCUPSValidate(t *testing.T) {
	if err := CUPS.Validate(); err != nil {
		t.Fatal(err)
	}
	if FieldName(35) != "track 2" || FieldName(5) != "" || FieldName(200) != "" {
		t.Errorf("FieldName: %q %q", FieldName(35), FieldName(5))
	}
}

func BenchmarkDecodeRequestSale(b *testing.B) {
	f := parseBody(b, saleBody)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := DecodeRequest(f); err != nil {
			b.Fatal(err)
		}
	}
}

func ExampleDecodeView() {
	frame, err := ParseHex(`0057 6000030000 603100311234
		0200 7020048000C08011
		16 6225880000000018
		000000 000000000100 000001 0210 00
		3130303030303031 383938333130303438393930303031 313536
		0011 220000010000
		3141324233433444`)
	if err != nil {
		fmt.Println(err)
		return
	}
	v, err := DecodeView(frame)
	if err != nil {
		fmt.Println(err)
		return
	}
	js, _ := v.JSON()
	fmt.Println(string(js))
	// Output:
	// {"tpdu":"6000030000","header":"603100311234","mti":"0200","fields":{"2":"622588******0018","3":"000000","4":"000000000100","11":"000001","22":"021","25":"00","41":"10000001","42":"898310048990001","49":"156","60":"22000001000","64":"3141324233433444"}}
}
