package posguard

import (
	"context"
	"time"
)

// TerminalEvent is a security or status refusal of a terminal request that
// the journal does not keep (97 unknown or disabled terminal, A0 MAC, 77
// not signed on or batch mismatch): the record that explains it later.
type TerminalEvent struct {
	ID         int64
	TerminalID string
	Code       string // field 39 sent
	Reason     string // internal reason code
	Detail     map[string]string
	At         time.Time
}

// EventRecorder records a terminal event. The switch (or an Observer) calls
// it for every refusal it does not journal.
type EventRecorder interface {
	RecordTerminalEvent(ctx context.Context, tid, code, reason string, at time.Time) error
}

// IncidentKind is the probable cause of an incident.
type IncidentKind string

// Incident kinds.
const (
	IncidentIssuerUnavailable IncidentKind = "issuer_unavailable" // an issuer BIN's 91/96/98 rate jumped
	IncidentTerminalNetwork   IncidentKind = "terminal_network"   // one terminal keeps losing answers
	IncidentFirmware          IncidentKind = "firmware"           // one firmware version fails more than the others
	// IncidentWalletChannel: a QR wallet channel kind stopped answering
	// usably (orders reversed without an answer, refused by the channel).
	IncidentWalletChannel IncidentKind = "wallet_channel_unavailable"
)

// IncidentStatus is whether an incident is still going on.
type IncidentStatus string

// Incident statuses.
const (
	IncidentOpen   IncidentStatus = "open"
	IncidentClosed IncidentStatus = "closed"
)

// Incident is a failure rate that jumped against its own baseline (or
// against its peers), with the probable cause and who is affected.
type Incident struct {
	ID        int64
	Kind      IncidentKind
	Status    IncidentStatus
	Dimension string // issuer_bin, terminal, firmware
	Key       string // the BIN, terminal ID or model/firmware
	Cause     string // probable cause, one sentence (zh and en joined by " / ")
	Rate      float64
	Baseline  float64
	Volume    int64
	Merchants []string // affected merchants
	OpenedAt  time.Time
	UpdatedAt time.Time
	ClosedAt  time.Time
}

// Affects reports whether the incident affects merchant id.
func (i *Incident) Affects(id string) bool {
	for _, m := range i.Merchants {
		if m == id {
			return true
		}
	}
	return false
}

// Notice is an operator's message to merchants: maintenance, an issuer
// outage. Empty Merchants and BINs mean everyone.
type Notice struct {
	ID        int64
	Kind      string // maintenance | issuer_outage | other
	Title     string
	Body      string
	Merchants []string
	BINs      []string
	From, To  time.Time // when it applies; zero To means open-ended
	CreatedBy string
	CreatedAt time.Time
}

// IncidentFilter selects incidents. Empty fields match all.
type IncidentFilter struct {
	Status IncidentStatus
	Kind   IncidentKind
	Limit  int // default 50, max 1000
}

// IncidentStore keeps incidents, notices and terminal events.
type IncidentStore interface {
	// OpenIncident inserts i and sets its ID. ECONFLICT if an open incident
	// of the same kind and key exists.
	OpenIncident(ctx context.Context, i *Incident) error
	// UpdateIncident stores i's rate, baseline, volume, merchants, status
	// and times. ENOTFOUND if the ID is unknown.
	UpdateIncident(ctx context.Context, i *Incident) error
	// Incidents returns incidents matching f, newest first.
	Incidents(ctx context.Context, f IncidentFilter) ([]*Incident, error)
	// PutNotice inserts n and sets its ID and CreatedAt.
	PutNotice(ctx context.Context, n *Notice) error
	// Notices returns the notices in force at `at` (zero: all), newest first.
	Notices(ctx context.Context, at time.Time, limit int) ([]*Notice, error)
	// WithdrawNotice ends notice id at `at`: it is no longer in force from
	// then on (a notice already ended earlier keeps its end). ENOTFOUND if
	// there is none.
	WithdrawNotice(ctx context.Context, id int64, at time.Time) error
	// AddTerminalEvent stores e and sets its ID.
	AddTerminalEvent(ctx context.Context, e *TerminalEvent) error
	// TerminalEvents returns a terminal's events at or after since, newest
	// first.
	TerminalEvents(ctx context.Context, tid string, since time.Time, limit int) ([]TerminalEvent, error)
}
