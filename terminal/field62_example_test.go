package terminal_test

import (
	"encoding/hex"
	"fmt"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/keys"
	"github.com/posguard/posguard/terminal"
)

func ExampleDecodeField62() {
	tmk, _ := hex.DecodeString("112233445566778899AABBCCDDEEFF00")
	wk, _ := keys.GenerateWorkingKeys(posguard.KeyScheme003)
	f62, _ := terminal.EncodeField62(tmk, posguard.KeyScheme003, wk)

	installed, err := terminal.DecodeField62(tmk, posguard.KeyScheme003, f62)
	fmt.Println(len(f62), len(installed.PIK), len(installed.MAK), err)
	// Output: 40 16 16 <nil>
}
