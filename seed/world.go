package seed

import (
	posguard "github.com/posguard/posguard"
)

// World is everything a world file describes.
type World struct {
	Acquirer  Acquirer
	Merchants []*posguard.Merchant
	Terminals []*posguard.Terminal
	FeePlans  []posguard.FeePlan
	Cards     []posguard.Card
	// Identities are the people the simulated real-name verification
	// service knows (onboarding.SimVerifier).
	Identities []posguard.Identity
	// Blacklist holds ID, licence, phone or account numbers onboarding
	// refuses, each with its reason.
	Blacklist []BlacklistEntry
	// WalletChannels are the QR wallet channels, in file order; Wallets the
	// merchants' wallet settings; Payers the simulated channel's payers
	// (spec/wallet-channel.md §6).
	WalletChannels []posguard.WalletChannel
	Wallets        []posguard.MerchantWallet
	Payers         []Payer
}

// BlacklistEntry is one value on the onboarding blacklist.
type BlacklistEntry struct {
	Value  string
	Reason string
}

// Acquirer identifies the acquiring institution towards the card network.
type Acquirer struct {
	ID         string // field 32, 1–11 digits; empty when the file has no acquirer
	ZonePINKey []byte // 16 bytes, shared with the network
}

// FeePlan returns the fee plan called name and whether there is one.
func (w *World) FeePlan(name string) (posguard.FeePlan, bool) {
	for _, p := range w.FeePlans {
		if p.Name == name {
			return p, true
		}
	}
	return posguard.FeePlan{}, false
}

// Merchant returns the merchant with id, or nil.
func (w *World) Merchant(id string) *posguard.Merchant {
	for _, m := range w.Merchants {
		if m.ID == id {
			return m
		}
	}
	return nil
}

// Terminal returns the terminal with id, or nil.
func (w *World) Terminal(id string) *posguard.Terminal {
	for _, t := range w.Terminals {
		if t.ID == id {
			return t
		}
	}
	return nil
}

// Card returns the card with the clear PAN pan and whether there is one.
func (w *World) Card(pan string) (posguard.Card, bool) {
	for _, c := range w.Cards {
		if c.PAN.Reveal() == pan {
			return c, true
		}
	}
	return posguard.Card{}, false
}
