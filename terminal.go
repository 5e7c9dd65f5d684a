package posguard

import (
	"context"
	"time"
)

// TerminalStatus is whether a terminal may transact.
type TerminalStatus string

// Terminal statuses. A disabled or unknown terminal gets "97".
const (
	TerminalActive   TerminalStatus = "active"
	TerminalDisabled TerminalStatus = "disabled"
)

// Key schemes announced in field 60.3 of a sign-on.
const (
	KeyScheme001 = "001" // single-length DES PIK and MAK
	KeyScheme003 = "003" // double-length 3DES PIK and MAK
	KeyScheme004 = "004" // as 003 plus a track data key (TDK)
)

// MAC algorithms a terminal profile may use.
const (
	MACCupsECB = "cups-ecb"
	MACX919    = "x919"
)

// WorkingKeys are the keys delivered at sign-on. They are held in clear only
// in memory; stores keep them sealed under the host key.
type WorkingKeys struct {
	PIK []byte // PIN key
	MAK []byte // MAC key
	TDK []byte // track data key (scheme 004), may be nil
}

// Terminal is a POS terminal (field 41 identifies it) and its key and
// sign-on state, which belong to the terminal and survive reconnects and
// restarts.
type Terminal struct {
	ID         string // TID, 8 characters
	MerchantID string
	TMK        []byte // terminal master key, 16 bytes, clear in memory only
	KeyScheme  string // 001 | 003 | 004
	MAC        string // cups-ecb | x919
	Model      string
	Firmware   string
	Status     TerminalStatus

	// Sign-on state.
	SignedOn   bool
	SignedOnAt time.Time
	Batch      string // the host's open batch for this terminal, n6
	Keys       WorkingKeys
	LastSeen   time.Time
	UpdatedAt  time.Time
}

// ReplacedKeys are working keys a sign-on replaced. A sign-on carries no
// MAC, so the terminal may not be the one that asked for it: the keys it
// replaced stay valid until the terminal uses the new ones or a grace
// period after ReplacedAt passes (the switch decides). Stores keep them
// sealed, so a host restart keeps the grace.
type ReplacedKeys struct {
	Keys       WorkingKeys
	MAC        string // the terminal's MAC algorithm when they were replaced
	ReplacedAt time.Time
}

// TerminalStore keeps terminals and their sign-on state.
type TerminalStore interface {
	// PutTerminal inserts or updates a terminal's provisioning data (merchant,
	// TMK, scheme, MAC, model, firmware, status). Sign-on state and working
	// keys of an existing terminal are kept; a new terminal starts signed off
	// with batch "000001".
	PutTerminal(ctx context.Context, t *Terminal) error
	// Terminal returns the terminal with id, keys unsealed; ENOTFOUND if none.
	Terminal(ctx context.Context, id string) (*Terminal, error)
	// Terminals returns all terminals ordered by ID.
	Terminals(ctx context.Context) ([]*Terminal, error)
	// SaveSignOn records a sign-on: new working keys, signed on at `at`,
	// and the open batch. The working keys it replaces (if any) are kept,
	// in the same transaction, as ReplacedKeys replaced at `at`; kept keys
	// replaced more than a day before `at` are dropped. ENOTFOUND if the
	// terminal does not exist.
	SaveSignOn(ctx context.Context, id string, keys WorkingKeys, batch string, at time.Time) error
	// ReplacedKeys returns the kept working keys of terminal id replaced at
	// or after since, oldest first (none: an empty slice).
	ReplacedKeys(ctx context.Context, id string, since time.Time) ([]ReplacedKeys, error)
	// ForgetReplacedKeys drops every kept replaced key of terminal id (it
	// has used its current keys). No error when there are none.
	ForgetReplacedKeys(ctx context.Context, id string) error
	// SetSignedOff marks the terminal signed off (its keys stay stored).
	SetSignedOff(ctx context.Context, id string, at time.Time) error
	// SetBatch sets the terminal's open batch (after a settlement roll-over).
	SetBatch(ctx context.Context, id, batch string) error
}

// NextBatch returns the batch number after b: old + 1, 999999 wraps to 000001.
func NextBatch(b string) string {
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return "000001"
		}
		n = n*10 + int(c-'0')
	}
	n++
	if n > 999999 || n <= 0 {
		n = 1
	}
	const digits = "0123456789"
	out := []byte("000000")
	for i := 5; i >= 0; i-- {
		out[i] = digits[n%10]
		n /= 10
	}
	return string(out)
}
