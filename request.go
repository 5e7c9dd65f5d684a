package posguard

import (
	"context"
	"time"
)

// TerminalRequest is a terminal message decoded by the terminal gateway
// (terminal/) into the terms the switch works in. It holds card data only
// in memory for the time of the request: the switch journals the masked PAN
// and a keyed hash, never the PAN, track or PIN block.
type TerminalRequest struct {
	MTI        string
	Type       TxnType
	TerminalID string // 41
	MerchantID string // 42
	STAN       string // 11
	Batch      string // 60.2
	NetMgmt    string // 60.3: key scheme on sign-on, 002 sign-off, 301 echo, 201 settlement
	Field60    string // 60 as digits, echoed in the answer

	ProcCode   string // 3
	Amount     Amount // 4
	HasAmount  bool
	Currency   string // 49
	PAN        PAN    // 2, or taken from track 2
	Expiry     string // 14 YYMM (or from track 2)
	EntryMode  string // 22
	CondCode   string // 25
	PINCapture string // 26
	PINBlock   []byte // 52, encrypted under the terminal's PIK
	SecControl string // 53
	Track2     string // 35 digits (D separator); only forwarded, never stored
	Track3     string // 36
	RRN        string // 37 (original's, on void and refund)
	AuthCode   string // 38 (original's)
	ReasonCode string // 39 of a 0400: why the terminal reverses
	// Reverses is, on a terminal reversal (0400), the type of the
	// transaction it reverses (from 3, 25 and 60.1).
	Reverses  TxnType
	ICC       []byte // 55
	OrigBatch string // 61.1
	OrigSTAN  string // 61.2
	OrigDate  string // 61.3 MMDD
	Totals    string // 48 digits as sent (settlement), kept as evidence
	// SettleTotals are the terminal's batch totals of a settlement (field
	// 48 parsed by the gateway: the switch never reads the digits).
	SettleTotals BatchTotals
	// Uploads are the transactions a batch upload (0320) carries in field
	// 48, parsed by the gateway; their PANs live in memory only.
	Uploads  []UploadRecord
	Operator string // 63.1

	// MAC verification: HasMAC tells whether field 64 was present; MACData
	// is the bytes it covers (MTI through the byte before field 64).
	HasMAC  bool
	MAC     []byte
	MACData []byte

	// ContentHash is the hex SHA-256 over every field except 12, 13 and 64:
	// an identical retransmission has the same hash.
	ContentHash string
	ReceivedAt  time.Time
}

// EntryModeManual is the PAN entry mode (the first two digits of field 22)
// of a card number keyed in by hand.
const EntryModeManual = "01"

// EntryModeContactless is the PAN entry mode (the first two digits of
// field 22) of a contactless (闪付) read; EntryModeContactlessNoPIN is field
// 22 of such a read without a PIN.
const (
	EntryModeContactless      = "07"
	EntryModeContactlessNoPIN = "072"
)

// Contactless reports whether the card was read contactless (field 22
// 07x).
func (r *TerminalRequest) Contactless() bool {
	return len(r.EntryMode) >= 2 && r.EntryMode[:2] == EntryModeContactless
}

// ContactlessNoPIN reports whether the card was read contactless without
// a PIN: entry mode 072, or 07x without field 52.
func (r *TerminalRequest) ContactlessNoPIN() bool {
	return r.Contactless() && (r.EntryMode == EntryModeContactlessNoPIN || len(r.PINBlock) == 0)
}

// ManualEntry reports whether the request's card number was keyed in by
// hand (field 22).
func (r *TerminalRequest) ManualEntry() bool {
	return len(r.EntryMode) >= 2 && r.EntryMode[:2] == EntryModeManual
}

// Answer is the part of a terminal response that the journal keeps so that an
// identical retransmission gets the same answer. It holds no card data.
type Answer struct {
	Code         string `json:"39"`
	RRN          string `json:"37,omitempty"`
	AuthCode     string `json:"38,omitempty"`
	LocalTime    string `json:"12,omitempty"` // hhmmss
	LocalDate    string `json:"13,omitempty"` // MMDD
	SettleDate   string `json:"15,omitempty"` // MMDD
	AddlResponse string `json:"44,omitempty"` // issuer id 11 + acquirer id 11
	Balance      string `json:"54,omitempty"`
	// Totals is field 48 as answers journaled before SettlementResult
	// carried it (digits); a retransmission of such a settlement is still
	// answered with it.
	Totals string `json:"48,omitempty"`
	// Settlement is the answer to a batch settlement; the gateway writes
	// it as field 48.
	Settlement *SettlementResult `json:"settlement,omitempty"`
	CardOrg    string            `json:"63,omitempty"`
	AcquirerID string            `json:"32,omitempty"`
	// ICC is field 55 of the answer to an IC request in upper-case
	// hexadecimal (a string, so answers stay comparable): the issuer's
	// answer data only (91 ARPC + response code, 8A, scripts 71/72), no
	// card data.
	ICC string `json:"55,omitempty"`
}

// TerminalResponse is the switch's answer, which the gateway packs with the
// request's echoed fields and signs with Sign.
type TerminalResponse struct {
	Answer
	Reason string // internal reason code (logged, journaled)
	// ResignOn asks the terminal to sign on again (header processing
	// requirement 3).
	ResignOn bool
	// Batch, when set, replaces 60.2 in the answer (sign-on: the host's open
	// batch for the terminal).
	Batch string
	// DeliverKeys marks a sign-on answer: the gateway writes Terminal's new
	// working keys, under its master key, as field 62 (the layout is the
	// terminal profile's).
	DeliverKeys bool
	// Terminal is the terminal as known to the host, whose current MAK
	// signs the answer; nil when the terminal is unknown.
	Terminal *Terminal
	// TxnID is the journal entry, 0 if none was written.
	TxnID int64
	// Sign, when set, computes the answer's MAC (field 64) over data, the
	// bytes the terminal profile says the MAC covers. The switch, which
	// checks the request's MAC, sets it with the key that request verified
	// under on the answers that carry a MAC; the gateway packs the answer
	// and calls it. nil: the answer goes without a MAC.
	Sign func(data []byte) ([]byte, error)
}

// TerminalHandler processes one decoded terminal request (the switch).
type TerminalHandler interface {
	HandleTerminal(ctx context.Context, req *TerminalRequest) *TerminalResponse
}

// OriginalData identifies an upstream message being voided, refunded or
// reversed (network field 90).
type OriginalData struct {
	MTI          string
	STAN         string
	Time         string // MMDDhhmmss UTC (field 7)
	AcquirerID   string
	ForwardingID string
}

// UpstreamRequest is a request to the card network, in domain terms. The
// network link (network/) maps it to the wire.
type UpstreamRequest struct {
	MTI        string // 0100, 0200, 0220, 0420/0421, 0800
	ProcCode   string
	PAN        PAN
	Expiry     string
	Amount     Amount
	Currency   string
	STAN       string // the host's upstream STAN
	Time       string // field 7, MMDDhhmmss UTC
	LocalTime  string // hhmmss
	LocalDate  string // MMDD
	MCC        string
	EntryMode  string
	CondCode   string
	AcquirerID string
	Track2     string
	RRN        string
	AuthCode   string
	ReasonCode string // 39 on a reversal advice
	TerminalID string
	MerchantID string
	PINBlock   []byte // under the zone PIN key
	ICC        []byte
	Original   *OriginalData // field 90
}

// UpstreamResponse is the network's answer.
type UpstreamResponse struct {
	MTI        string
	Code       string // 39
	AuthCode   string
	RRN        string
	STAN       string
	Time       string
	AcquirerID string
	TerminalID string
	Amount     Amount
	HasAmount  bool
	Balance    string // 54 as sent
	IssuerID   string // from 44 when present
	ICC        []byte
	// Received is when the answer arrived.
	Received time.Time
}

// Upstream is the link to the card network.
type Upstream interface {
	// Send sends req and waits for its answer until ctx ends. Returns
	// ETIMEOUT if no answer came in time (the request may have reached the
	// network: money may have moved), EUNAVAILABLE if it could not be sent
	// (it certainly did not reach the network).
	Send(ctx context.Context, req *UpstreamRequest) (*UpstreamResponse, error)
}
