package seed

import (
	posguard "github.com/posguard/posguard"
)

// World is everything a world file describes.
type World struct {
	Acquirer  Acquirer
	Merchants []*posguard.Merchant
	Terminals []*posguard.Terminal
	FeePlans  []FeePlan
	Cards     []posguard.Card
	// Identities are the people the simulated real-name verification
	// service knows (onboarding.SimVerifier).
	Identities []posguard.Identity
	// Blacklist holds ID, licence, phone or account numbers onboarding
	// refuses, each with its reason.
	Blacklist []BlacklistEntry
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

// FeePlan is a named set of merchant discount rates.
type FeePlan struct {
	Name       string
	CreditRate Rate
	DebitRate  Rate
	QRRate     Rate
	// DebitCap caps the fee of one debit-card transaction; zero means no cap.
	DebitCap posguard.Amount
	D0       D0Rule
}

// D0Rule describes same-day (D0) settlement on request.
type D0Rule struct {
	Enabled   bool
	MinAmount posguard.Amount // smallest amount paid out same-day
	Window    string          // "HH:MM-HH:MM", local time
	Extra     Rate            // added to the plan's rate for D0 payouts
}

// FeePlan returns the fee plan called name and whether there is one.
func (w *World) FeePlan(name string) (FeePlan, bool) {
	for _, p := range w.FeePlans {
		if p.Name == name {
			return p, true
		}
	}
	return FeePlan{}, false
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
