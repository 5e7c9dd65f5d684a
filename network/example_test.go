package network_test

import (
	"fmt"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/network"
)

func ExampleFormatOriginal() {
	v, _ := network.FormatOriginal(&posguard.OriginalData{MTI: "0200", STAN: "000123", Time: "0311101530", AcquirerID: "48021000"})
	fmt.Println(v)
	o, _ := network.ParseOriginal(v)
	fmt.Println(o.MTI, o.STAN, o.Time, o.AcquirerID)
	// Output:
	// 020000012303111015300004802100000000000000
	// 0200 000123 0311101530 48021000
}

func ExampleEncodeRequest() {
	m, _ := network.EncodeRequest(&posguard.UpstreamRequest{MTI: "0200", ProcCode: "000000", PAN: "6225880000000018",
		Amount: 1000, STAN: "000123", Time: "0311101530", TerminalID: "10000001"})
	data, _ := network.Spec87.Pack(m)
	fmt.Println(m.Fields(), len(data))
	// Output:
	// [2 3 4 7 11 41] 72
}
