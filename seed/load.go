package seed

import (
	"bytes"
	"context"
	"fmt"
	"slices"

	posguard "github.com/posguard/posguard"
)

// Store is what Load writes to: merchants and terminals.
type Store interface {
	posguard.MerchantStore
	posguard.TerminalStore
}

// Counts says what loading did to one kind of entry.
type Counts struct {
	Created   int
	Updated   int
	Unchanged int
}

// Report says what Load did.
type Report struct {
	Merchants Counts
	Terminals Counts
}

// String summarises the report on one line.
func (r Report) String() string {
	return fmt.Sprintf("merchants: %d created, %d updated, %d unchanged; terminals: %d created, %d updated, %d unchanged",
		r.Merchants.Created, r.Merchants.Updated, r.Merchants.Unchanged,
		r.Terminals.Created, r.Terminals.Updated, r.Terminals.Unchanged)
}

// Load upserts the world's merchants, then its terminals, into st. An entry
// the store already holds with the same content is left alone (so loading a
// world twice changes nothing); a changed one is written again. The store
// keeps what belongs to it: a terminal's sign-on state and working keys,
// and a merchant's StatusSince unless its status changes (a seed file's
// status_since applies when the merchant is created). Card accounts, fee
// plans and the acquirer are not stored here: the simulated network and the
// settlement side read them from the World.
//
// Before writing, Load checks that every terminal's merchant is in the world
// or already in the store (ENOTFOUND otherwise). A store failure part-way
// leaves the entries before it loaded; loading again completes the world.
func Load(ctx context.Context, st Store, w *World) (Report, error) {
	var r Report
	if w == nil {
		return r, posguard.Errorf(posguard.EINVALID, "seed: no world to load")
	}
	for _, t := range w.Terminals {
		if w.Merchant(t.MerchantID) != nil {
			continue
		}
		if _, err := st.Merchant(ctx, t.MerchantID); err != nil {
			return r, fmt.Errorf("seed: terminal %s: merchant %s: %w", t.ID, t.MerchantID, err)
		}
	}
	for _, m := range w.Merchants {
		old, err := st.Merchant(ctx, m.ID)
		switch {
		case posguard.ErrorCode(err) == posguard.ENOTFOUND:
			r.Merchants.Created++
		case err != nil:
			return r, fmt.Errorf("seed: merchant %s: %w", m.ID, err)
		case sameMerchant(old, m):
			r.Merchants.Unchanged++
			continue
		default:
			r.Merchants.Updated++
		}
		// The store sets StatusSince and UpdatedAt on what it is given; the
		// world stays as parsed.
		put := *m
		put.AllowedTypes = slices.Clone(m.AllowedTypes)
		if err := st.PutMerchant(ctx, &put); err != nil {
			return r, fmt.Errorf("seed: merchant %s: %w", m.ID, err)
		}
	}
	for _, t := range w.Terminals {
		old, err := st.Terminal(ctx, t.ID)
		switch {
		case posguard.ErrorCode(err) == posguard.ENOTFOUND:
			r.Terminals.Created++
		case err != nil:
			return r, fmt.Errorf("seed: terminal %s: %w", t.ID, err)
		case sameTerminal(old, t):
			r.Terminals.Unchanged++
			continue
		default:
			r.Terminals.Updated++
		}
		put := *t
		put.TMK = bytes.Clone(t.TMK)
		if err := st.PutTerminal(ctx, &put); err != nil {
			return r, fmt.Errorf("seed: terminal %s: %w", t.ID, err)
		}
	}
	return r, nil
}

// sameMerchant compares what a world file sets. StatusSince is left out:
// the store owns it once the merchant exists.
func sameMerchant(a, b *posguard.Merchant) bool {
	return a.ID == b.ID && a.Name == b.Name && a.MCC == b.MCC && a.Status == b.Status &&
		a.Kind == b.Kind && a.FeePlan == b.FeePlan && a.Limits == b.Limits &&
		a.Account == b.Account && sameTypes(a.AllowedTypes, b.AllowedTypes)
}

// sameTypes compares two type lists as sets (nil and empty are equal).
func sameTypes(a, b []posguard.TxnType) bool {
	if len(a) != len(b) {
		return false
	}
	for _, t := range a {
		if !slices.Contains(b, t) {
			return false
		}
	}
	return true
}

// sameTerminal compares a terminal's provisioning data (not its sign-on
// state).
func sameTerminal(a, b *posguard.Terminal) bool {
	return a.ID == b.ID && a.MerchantID == b.MerchantID && bytes.Equal(a.TMK, b.TMK) &&
		a.KeyScheme == b.KeyScheme && a.MAC == b.MAC && a.Model == b.Model &&
		a.Firmware == b.Firmware && a.Status == b.Status
}
