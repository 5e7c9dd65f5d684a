package simnet_test

import (
	"fmt"

	"github.com/posguard/posguard/simnet"
)

func ExampleParseFaults() {
	f, err := simnet.ParseFaults("latency=1ms-5ms, timeout=0.02, outage=622588:30s")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(f.Timeout, f.Outages[0].BIN, f.Outages[0].Duration)
	fmt.Println(f)
	_, err = simnet.ParseFaults("timeout=2")
	fmt.Println(err)
	// Output:
	// 0.02 622588 30s
	// latency=1ms-5ms,timeout=0.02,outage=622588:30s
	// simnet: fault "timeout=2": want a probability between 0 and 1
}
