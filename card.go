package posguard

import "log/slog"

// PAN is a primary account number. It masks itself (first 6 and last 4
// digits) when printed or logged, so a full card number cannot reach a log
// line or an error message by accident. Use Reveal only where the clear number
// is needed (PIN block translation, the network message).
type PAN string

// String returns the masked PAN.
func (p PAN) String() string { return MaskPAN(string(p)) }

// LogValue masks the PAN in structured logs.
func (p PAN) LogValue() slog.Value { return slog.StringValue(MaskPAN(string(p))) }

// GoString masks the PAN for %#v.
func (p PAN) GoString() string { return `"` + MaskPAN(string(p)) + `"` }

// Reveal returns the clear PAN.
func (p PAN) Reveal() string { return string(p) }

// BIN returns the first six digits (the issuer identification prefix), or
// the whole PAN if it is shorter.
func (p PAN) BIN() string {
	if len(p) < 6 {
		return string(p)
	}
	return string(p[:6])
}

// MaskPAN keeps the first 6 and last 4 characters of pan and replaces the rest
// with '*'. Strings of 10 characters or fewer are masked entirely except the
// last 4 (and fully when 4 or fewer), so no short input leaks whole.
func MaskPAN(pan string) string {
	n := len(pan)
	switch {
	case n == 0:
		return ""
	case n <= 4:
		return "****"
	case n <= 10:
		b := []byte(pan)
		for i := 0; i < n-4; i++ {
			b[i] = '*'
		}
		return string(b)
	}
	b := []byte(pan)
	for i := 6; i < n-4; i++ {
		b[i] = '*'
	}
	return string(b)
}

// CardKind is how a card is charged fees.
type CardKind string

// Card kinds.
const (
	CardDebit  CardKind = "debit"
	CardCredit CardKind = "credit"
)

// CardStatus is the issuer-side status of a card account (simulated network).
type CardStatus string

// Card statuses.
const (
	CardActive  CardStatus = "active"
	CardLost    CardStatus = "lost"
	CardStolen  CardStatus = "stolen"
	CardFrozen  CardStatus = "frozen"
	CardExpired CardStatus = "expired"
	CardDormant CardStatus = "dormant"
)

// Card is a card account known to the simulated network (seed file "cards").
type Card struct {
	PAN     PAN
	Expiry  string // YYMM
	PIN     string // clear PIN, simulated issuer only
	Kind    CardKind
	Balance Amount // available funds or credit
	Status  CardStatus
}

// MaskCardNumbers masks, in free text, every run of 13 or more digits that
// could be a card number with MaskPAN, and leaves merchant numbers whole:
// a run of exactly 15 digits that fails the Luhn check (the shape of a
// UnionPay merchant number; no real 15-digit card fails the check), and a
// run of at most 15 digits right after a letter ("M00000000000001", the
// tail of an identifier). Runs of 16 digits or more are always masked.
func MaskCardNumbers(s string) string {
	var b []byte
	start := -1
	flush := func(end int) {
		if start < 0 {
			return
		}
		run := s[start:end]
		if len(run) >= 13 && !merchantLike(s, start, run) {
			if b == nil {
				b = append(make([]byte, 0, len(s)), s[:start]...)
			}
			b = append(b, MaskPAN(run)...)
		} else if b != nil {
			b = append(b, run...)
		}
		start = -1
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= '0' && c <= '9' {
			if start < 0 {
				start = i
			}
			continue
		}
		flush(i)
		if b != nil {
			b = append(b, s[i])
		}
	}
	flush(len(s))
	if b == nil {
		return s
	}
	return string(b)
}

// merchantLike reports whether run, found at start in s, is a merchant
// number rather than a card number (see MaskCardNumbers).
func merchantLike(s string, start int, run string) bool {
	if len(run) > 15 {
		return false
	}
	if start > 0 {
		if c := s[start-1]; c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' {
			return true
		}
	}
	return len(run) == 15 && !luhnOK(run)
}

// luhnOK reports whether the digit string d ends in a valid Luhn check
// digit.
func luhnOK(d string) bool {
	sum := 0
	for i := 0; i < len(d); i++ {
		n := int(d[len(d)-1-i] - '0')
		if i%2 == 1 {
			if n *= 2; n > 9 {
				n -= 9
			}
		}
		sum += n
	}
	return sum%10 == 0
}
