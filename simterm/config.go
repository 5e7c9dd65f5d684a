package simterm

import (
	"log/slog"
	"time"

	"github.com/posguard/posguard"
)

// Defaults of Config.
const (
	// DefaultTimeout is how long a terminal waits for an answer (spec: the
	// terminal's timeout is longer than the host's upstream one).
	DefaultTimeout = 60 * time.Second
	// DefaultHeader is the 12-digit message header a terminal sends:
	// application class 60, software version 31, normal state, no
	// processing requirement.
	DefaultHeader = "603100000000"
	// DefaultTPDU is the request TPDU: 0x60, destination 0000, source 0000.
	DefaultTPDU = "6000000000"
	// DefaultOperator is field 63.1 of requests.
	DefaultOperator = "001"
	// MaxReversalTries is how many times a terminal sends one 0400.
	MaxReversalTries = 3
)

// Config describes one simulated terminal. Zero fields take the defaults
// named on them.
type Config struct {
	ID         string // field 41, 8 characters
	MerchantID string // field 42, 15 characters
	TMK        []byte // terminal master key, 16 bytes
	Scheme     string // key scheme sent in 60.3 of a sign-on; default 003
	MACAlg     string // cups-ecb (default) or x919

	// Batch is the batch the terminal believes open before its first
	// sign-on; default 000001. A sign-on adopts the host's batch.
	Batch string
	// STAN is the last STAN used; the first message carries STAN+1
	// (wrapping 999999 to 000001). Default 0.
	STAN int
	// Operator is field 63.1; default "001".
	Operator string
	// Timeout is how long the terminal waits for an answer; default 60s.
	Timeout time.Duration
	// Header is the 12 hexadecimal digits of the message header; default
	// DefaultHeader.
	Header string
	// TPDU is the 10 hexadecimal digits of the request TPDU; default
	// DefaultTPDU.
	TPDU string
	// Logger receives one debug line per exchange (masked card data only);
	// default slog.Default().
	Logger *slog.Logger
}

// ConfigFor returns the Config of a terminal as a world file describes it.
func ConfigFor(t *posguard.Terminal) Config {
	return Config{
		ID:         t.ID,
		MerchantID: t.MerchantID,
		TMK:        append([]byte(nil), t.TMK...),
		Scheme:     t.KeyScheme,
		MACAlg:     t.MAC,
	}
}

// withDefaults returns c with its zero fields set to the defaults.
func (c Config) withDefaults() Config {
	if c.Scheme == "" {
		c.Scheme = posguard.KeyScheme003
	}
	if c.MACAlg == "" {
		c.MACAlg = posguard.MACCupsECB
	}
	if c.Batch == "" {
		c.Batch = "000001"
	}
	if c.Operator == "" {
		c.Operator = DefaultOperator
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Header == "" {
		c.Header = DefaultHeader
	}
	if c.TPDU == "" {
		c.TPDU = DefaultTPDU
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// validate checks the fields a terminal cannot do without.
func (c Config) validate() error {
	switch {
	case len(c.ID) != 8:
		return posguard.Errorf(posguard.EINVALID, "simterm: terminal id %q: want 8 characters", c.ID)
	case len(c.MerchantID) != 15:
		return posguard.Errorf(posguard.EINVALID, "simterm: terminal %s: merchant id %q: want 15 characters", c.ID, c.MerchantID)
	case len(c.TMK) != 16 && len(c.TMK) != 24:
		return posguard.Errorf(posguard.EINVALID, "simterm: terminal %s: TMK length %d, want 16 or 24 bytes", c.ID, len(c.TMK))
	case c.STAN < 0 || c.STAN > 999999:
		return posguard.Errorf(posguard.EINVALID, "simterm: terminal %s: STAN %d out of range", c.ID, c.STAN)
	case !digitsN(c.Batch, 6):
		return posguard.Errorf(posguard.EINVALID, "simterm: terminal %s: batch %q: want 6 digits", c.ID, c.Batch)
	case !hexN(c.Header, 12):
		return posguard.Errorf(posguard.EINVALID, "simterm: terminal %s: header %q: want 12 hex digits", c.ID, c.Header)
	case !hexN(c.TPDU, 10):
		return posguard.Errorf(posguard.EINVALID, "simterm: terminal %s: TPDU %q: want 10 hex digits", c.ID, c.TPDU)
	}
	switch c.Scheme {
	case posguard.KeyScheme001, posguard.KeyScheme003, posguard.KeyScheme004:
	default:
		return posguard.Errorf(posguard.EINVALID, "simterm: terminal %s: key scheme %q: want 001, 003 or 004", c.ID, c.Scheme)
	}
	switch c.MACAlg {
	case posguard.MACCupsECB, posguard.MACX919:
	default:
		return posguard.Errorf(posguard.EINVALID, "simterm: terminal %s: MAC algorithm %q: want cups-ecb or x919", c.ID, c.MACAlg)
	}
	return nil
}

func digitsN(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func hexN(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}
