package iso8583_test

import (
	"fmt"

	"github.com/posguard/posguard/iso8583"
)

func Example() {
	spec := &iso8583.Spec{Name: "demo", MTIEnc: iso8583.BCD}
	spec.Fields[3] = &iso8583.Field{Name: "processing code", Kind: iso8583.N, Max: 6, Enc: iso8583.BCD}
	spec.Fields[4] = &iso8583.Field{Name: "amount", Kind: iso8583.N, Max: 12, Enc: iso8583.BCD}
	spec.Fields[41] = &iso8583.Field{Name: "terminal id", Kind: iso8583.AN, Max: 8}

	m := iso8583.NewMessage("0200")
	m.Set(3, "000000")
	m.Set(4, "100") // fixed n12: zero-padded on the left
	m.Set(41, "10000001")
	packed, err := spec.Pack(m)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("% X\n", packed)

	got, err := spec.Unpack(packed)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(got.MTI, got.Fields(), got.Get(4), got.Get(41))

	_, err = spec.Unpack(packed[:len(packed)-3])
	fmt.Println(err)
	// Output:
	// 02 00 30 00 00 00 00 80 00 00 00 00 00 00 00 00 00 01 00 31 30 30 30 30 30 30 31
	// 0200 [3 4 41] 000000000100 10000001
	// field 41: value runs past end of message
}
