package dispute

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/posguard/posguard"
)

// Header is the first line of a dispute file (docs/disputes.md §File):
// the dispute as raised, then the network's rulings so far.
const Header = HeaderRaised + ",decision,arbitration,decided_at,ruling"

// HeaderRaised is the header of a file without rulings (the first format,
// still read: its lines carry no ruling).
const HeaderRaised = "dispute_id,kind,reason_code,rrn,trace,terminal,merchant,card,amount,currency,txn_date,raised_at"

var columns = strings.Split(Header, ",")

// Rulings in a file's decision and arbitration columns.
const (
	RulingWon  = "won"
	RulingLost = "lost"
)

// MaxRuling bounds the ruling's text in a file line.
const MaxRuling = 200

// File kinds: R a retrieval request (调单), C a chargeback (拒付).
const (
	KindRetrieval  = "R"
	KindChargeback = "C"
)

// MaxLines bounds the lines one file may hold.
const MaxLines = 100000

// Notice is one line of a dispute file: the network raising a dispute.
type Notice struct {
	Line       int // physical line number, from 2
	ID         string
	Kind       posguard.DisputeKind
	ReasonCode string
	RRN        string
	Trace      string // the transaction's trace number (STAN) at the terminal
	Terminal   string
	Merchant   string
	Card       string // masked 6 + 4
	Amount     posguard.Amount
	Currency   string
	TxnDate    string // YYYY-MM-DD
	RaisedAt   time.Time
	// Decision is the network's ruling on the response ("" until it
	// ruled, RulingWon or RulingLost); Arbitration its ruling on an
	// arbitration of a chargeback whose representment it ruled against;
	// DecidedAt when it made the latest of them, and Ruling why (its
	// words, at most MaxRuling bytes).
	Decision, Arbitration string
	DecidedAt             time.Time
	Ruling                string
}

var (
	idPattern       = regexp.MustCompile(`^[A-Z0-9]{6,32}$`)
	rrnPattern      = regexp.MustCompile(`^[0-9A-Za-z]{12}$`)
	tracePattern    = regexp.MustCompile(`^[0-9]{6}$`)
	terminalPattern = regexp.MustCompile(`^[0-9A-Za-z]{8}$`)
	merchantPattern = regexp.MustCompile(`^[0-9A-Za-z]{15}$`)
	cardPattern     = regexp.MustCompile(`^[0-9]{6}\*{3,9}[0-9]{4}$`)
	currencyPattern = regexp.MustCompile(`^[0-9]{3}$`)
)

// ReadFile reads a whole dispute file. It is strict: the header must be
// Header, every field valid, the reason code known and of the line's kind,
// and no dispute ID repeated; the first bad line fails the file with an
// EINVALID error naming the line and the column. A UTF-8 BOM is skipped;
// lines may end with CR LF or LF. Card numbers must come masked.
func ReadFile(r io.Reader) ([]Notice, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1 // checked below: the header's number
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err == io.EOF {
		return nil, posguard.Errorf(posguard.EINVALID, "dispute file: empty, want the header %q", Header)
	}
	if err != nil {
		return nil, lineError(err)
	}
	h := strings.TrimPrefix(strings.Join(head, ","), "\ufeff")
	if h != Header && h != HeaderRaised {
		return nil, posguard.Errorf(posguard.EINVALID, "dispute file: line 1: header %q, want %q", posguard.MaskCardNumbers(strings.Join(head, ",")), Header)
	}
	width := len(head)
	var out []Notice
	seen := map[string]int{}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, lineError(err)
		}
		if len(rec) != width {
			return nil, posguard.Errorf(posguard.EINVALID, "dispute file: line %d: %d fields, want %d", line, len(rec), width)
		}
		if len(out) >= MaxLines {
			return nil, posguard.Errorf(posguard.EINVALID, "dispute file: more than %d lines", MaxLines)
		}
		n, err := parseLine(line, rec)
		if err != nil {
			return nil, err
		}
		if first, ok := seen[n.ID]; ok {
			return nil, posguard.Errorf(posguard.EINVALID, "dispute file: line %d: dispute_id %s repeats line %d", line, n.ID, first)
		}
		seen[n.ID] = line
		out = append(out, n)
	}
}

// lineError turns a CSV error into an EINVALID naming its line.
func lineError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return posguard.Errorf(posguard.EINVALID, "dispute file: line %d: %v", pe.Line, pe.Err)
	}
	return posguard.WrapError(posguard.EINVALID, err, "dispute file")
}

// parseLine checks and converts one record.
func parseLine(line int, rec []string) (Notice, error) {
	bad := func(col int, why string) (Notice, error) {
		return Notice{}, posguard.Errorf(posguard.EINVALID, "dispute file: line %d: %s: %s", line, columns[col], why)
	}
	n := Notice{Line: line, ID: rec[0], ReasonCode: rec[2], RRN: rec[3], Trace: rec[4], Terminal: rec[5],
		Merchant: rec[6], Card: rec[7], Currency: rec[9], TxnDate: rec[10]}
	if !idPattern.MatchString(n.ID) {
		return bad(0, "want 6 to 32 upper-case letters or digits")
	}
	switch rec[1] {
	case KindRetrieval:
		n.Kind = posguard.DisputeRetrieval
	case KindChargeback:
		n.Kind = posguard.DisputeChargeback
	default:
		return bad(1, "want R (retrieval request) or C (chargeback)")
	}
	reason, ok := Lookup(n.ReasonCode)
	if !ok {
		return bad(2, "unknown reason code")
	}
	if reason.Kind != n.Kind {
		return bad(2, fmt.Sprintf("reason %s is a %s reason, the line is a %s", n.ReasonCode, reason.Kind, n.Kind))
	}
	if !rrnPattern.MatchString(n.RRN) {
		return bad(3, "want 12 letters or digits")
	}
	if !tracePattern.MatchString(n.Trace) {
		return bad(4, "want 6 digits")
	}
	if !terminalPattern.MatchString(n.Terminal) {
		return bad(5, "want 8 letters or digits")
	}
	if !merchantPattern.MatchString(n.Merchant) {
		return bad(6, "want 15 letters or digits")
	}
	if !cardPattern.MatchString(n.Card) {
		return bad(7, "want a card number masked 6 + 4 (622588******5678)")
	}
	amt, err := strconv.ParseInt(rec[8], 10, 64)
	if err != nil || amt <= 0 || amt > 99999999999 || rec[8][0] == '+' || rec[8][0] == '0' {
		return bad(8, "want a positive whole number of fen")
	}
	n.Amount = posguard.Amount(amt)
	if !currencyPattern.MatchString(n.Currency) {
		return bad(9, "want the ISO 4217 numeric code (156)")
	}
	if _, err := time.Parse("2006-01-02", n.TxnDate); err != nil {
		return bad(10, "want YYYY-MM-DD")
	}
	at, err := time.Parse(time.RFC3339, rec[11])
	if err != nil {
		return bad(11, "want an RFC 3339 time (2026-03-05T10:00:00+08:00)")
	}
	n.RaisedAt = at.UTC()
	if len(rec) > 12 {
		return parseRuling(n, rec, bad)
	}
	return n, nil
}

// parseRuling reads the ruling columns of a line.
func parseRuling(n Notice, rec []string, bad func(int, string) (Notice, error)) (Notice, error) {
	n.Decision, n.Arbitration, n.Ruling = rec[12], rec[13], rec[15]
	switch n.Decision {
	case "", RulingWon, RulingLost:
	default:
		return bad(12, "want won, lost or nothing (not ruled yet)")
	}
	switch {
	case n.Arbitration != "" && n.Arbitration != RulingWon && n.Arbitration != RulingLost:
		return bad(13, "want won, lost or nothing")
	case n.Arbitration != "" && (n.Decision != RulingLost || n.Kind != posguard.DisputeChargeback):
		return bad(13, "only a chargeback whose representment was lost goes to arbitration")
	}
	if n.Decision == "" {
		if rec[14] != "" || n.Ruling != "" {
			return bad(14, "a line not ruled on has no decision time or ruling")
		}
		return n, nil
	}
	at, err := time.Parse(time.RFC3339, rec[14])
	if err != nil {
		return bad(14, "want an RFC 3339 time")
	}
	n.DecidedAt = at.UTC()
	if len(n.Ruling) > MaxRuling || strings.ContainsFunc(n.Ruling, func(r rune) bool { return r < ' ' || r == 0x7f }) ||
		posguard.MaskCardNumbers(n.Ruling) != n.Ruling || strings.TrimSpace(n.Ruling) != n.Ruling || !utf8.ValidString(n.Ruling) {
		return bad(15, fmt.Sprintf("want at most %d bytes of text on one line, trimmed, without a card number", MaxRuling))
	}
	return n, nil
}

// AppendLine appends n as one line of a dispute file (without the header).
func AppendLine(b []byte, n *Notice) []byte {
	kind := KindRetrieval
	if n.Kind == posguard.DisputeChargeback {
		kind = KindChargeback
	}
	b = fmt.Appendf(b, "%s,%s,%s,%s,%s,%s,%s,%s,%d,%s,%s,%s,%s,%s,", n.ID, kind, n.ReasonCode, n.RRN, n.Trace, n.Terminal,
		n.Merchant, posguard.MaskPAN(n.Card), int64(n.Amount), n.Currency, n.TxnDate,
		n.RaisedAt.In(posguard.ChinaStandardTime).Format(time.RFC3339), n.Decision, n.Arbitration)
	if n.Decision != "" {
		b = append(b, n.DecidedAt.In(posguard.ChinaStandardTime).Format(time.RFC3339)...)
	}
	b = append(b, ',')
	if n.Ruling != "" {
		b = append(b, '"')
		b = append(b, strings.ReplaceAll(posguard.MaskCardNumbers(n.Ruling), `"`, `""`)...)
		b = append(b, '"')
	}
	return append(b, '\n')
}

// WriteFile returns a whole dispute file of ns.
func WriteFile(ns []Notice) []byte {
	b := []byte(Header + "\n")
	for i := range ns {
		b = AppendLine(b, &ns[i])
	}
	return b
}
