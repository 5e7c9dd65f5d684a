package keys_test

import (
	"encoding/hex"
	"fmt"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/keys"
)

func ExampleMAC() {
	mak, _ := hex.DecodeString("0123456789ABCDEFFEDCBA9876543210")
	mac, _ := keys.MAC(posguard.MACCupsECB, mak, []byte("Now is the time for all "))
	fmt.Printf("%s\n", mac)
	// Output: F5BE6DD0
}

func ExampleEncodePINBlock() {
	block, _ := keys.EncodePINBlock("1234", "4111111111111111")
	fmt.Printf("%X\n", block)
	// Output: 041225EEEEEEEEEE
}

func ExampleTranslatePIN() {
	pik, _ := hex.DecodeString("0123456789ABCDEFFEDCBA9876543210")
	zpk, _ := hex.DecodeString("89ABCDEF0123456776543210FEDCBA98")
	pan := posguard.PAN("6222021234567890123")

	clearBlock, _ := keys.EncodePINBlock("1234", pan)
	fromTerminal, _ := keys.EncryptPINBlock(pik, clearBlock)

	toNetwork, err := keys.TranslatePIN(pik, zpk, fromTerminal, pan)
	fmt.Println(len(toNetwork), err)
	// Output: 8 <nil>
}
