package bench

import (
	"fmt"
	"strconv"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/seed"
)

// Bench world constants: every key here is a public test key.
const (
	// MerchantID is the bench world's one merchant (no limits).
	MerchantID = "898310099990001"
	// AcquirerID is field 32 of the bench world.
	AcquirerID = "48029999"
	// CardPIN is every bench card's PIN.
	CardPIN = "123456"
	// cardBalance is large enough that no bench run ever gets a 51.
	cardBalance = posguard.Amount(1) << 50
)

// zonePINKey is the bench world's PIN key shared with the network.
var zonePINKey = []byte{
	0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF, 0xFE, 0xDC, 0xBA, 0x98, 0x76, 0x54, 0x32, 0x10,
}

// World returns a bench world: one active merchant without limits,
// terminals terminals (IDs 90000001…, scheme 003, CUPS ECB MAC, each with
// its own TMK) and cards debit cards with huge balances and PIN 123456.
func World(terminals, cards int) *seed.World {
	w := &seed.World{
		Acquirer: seed.Acquirer{ID: AcquirerID, ZonePINKey: append([]byte(nil), zonePINKey...)},
		Merchants: []*posguard.Merchant{{
			ID: MerchantID, Name: "bench merchant", MCC: "5411", Status: posguard.MerchantActive,
			Kind: "enterprise", FeePlan: "standard",
			Account: posguard.SettlementAccount{Bank: "ICBC", Number: "1001020309000999999", Name: "bench", Status: "ok"},
		}},
		FeePlans: []posguard.FeePlan{{Name: "standard"}},
	}
	for i := range terminals {
		w.Terminals = append(w.Terminals, &posguard.Terminal{
			ID: fmt.Sprintf("9%07d", i+1), MerchantID: MerchantID, TMK: benchTMK(i),
			KeyScheme: posguard.KeyScheme003, MAC: posguard.MACCupsECB,
			Model: "BENCH", Firmware: "1.0", Status: posguard.TerminalActive,
		})
	}
	for i := range cards {
		w.Cards = append(w.Cards, posguard.Card{
			PAN: posguard.PAN(luhnPAN("622202", i)), Expiry: "4912", PIN: CardPIN,
			Kind: posguard.CardDebit, Balance: cardBalance, Status: posguard.CardActive,
		})
	}
	return w
}

// benchTMK derives terminal i's master key (16 bytes, odd parity not
// required by the host's 3DES).
func benchTMK(i int) []byte {
	k := make([]byte, 16)
	for j := range k {
		k[j] = byte(0x11*(j+1)) ^ byte(i) ^ byte(i>>8)<<1
	}
	return k
}

// luhnPAN returns a 19-digit PAN with the BIN, serial n and a Luhn check
// digit.
func luhnPAN(bin string, n int) string {
	body := bin + fmt.Sprintf("%012d", n)
	sum := 0
	for i := len(body) - 1; i >= 0; i-- {
		d := int(body[i] - '0')
		if (len(body)-1-i)%2 == 0 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return body + strconv.Itoa((10-sum%10)%10)
}
