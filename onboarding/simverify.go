package onboarding

import (
	"context"
	"strings"

	"github.com/posguard/posguard"
)

// SimVerifier is a simulated real-name verification service: it knows a
// fixed list of identities (the world file's identities) and answers as a
// four-element service would. An identity is found by its ID number; the
// other three elements must then match it.
type SimVerifier struct {
	byID map[string]posguard.Identity
}

// NewSimVerifier returns a SimVerifier knowing ids.
func NewSimVerifier(ids []posguard.Identity) *SimVerifier {
	v := &SimVerifier{byID: map[string]posguard.Identity{}}
	for _, id := range ids {
		v.byID[strings.ToUpper(id.IDNo)] = id
	}
	return v
}

// Verify implements posguard.Verifier.
func (v *SimVerifier) Verify(_ context.Context, id posguard.Identity) (posguard.Verification, error) {
	known, ok := v.byID[strings.ToUpper(id.IDNo)]
	if !ok {
		return posguard.Verification{Mismatch: []string{"id_no"}}, nil
	}
	var bad []string
	if normName(known.Name) != normName(id.Name) {
		bad = append(bad, "name")
	}
	if known.Account != id.Account {
		bad = append(bad, "account")
	}
	if known.Phone != id.Phone {
		bad = append(bad, "phone")
	}
	return posguard.Verification{Match: len(bad) == 0, Mismatch: bad}, nil
}
