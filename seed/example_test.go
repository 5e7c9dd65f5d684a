package seed_test

import (
	"fmt"

	"github.com/posguard/posguard/seed"
)

func ExampleParse() {
	_, err := seed.Parse([]byte(`terminals:
  - id: "10000001"
    merchant: "898310048990001"
    tmk: "1111"
    key_scheme: "003"
    status: active
`), "world.yaml")
	fmt.Println(err)
	// Output:
	// world.yaml:3: terminals[0].merchant: no merchant 898310*****0001 in merchants
	// world.yaml:4: terminals[0].tmk: want 32 hex digits
}
