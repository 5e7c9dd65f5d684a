package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/iso8583"
	"github.com/posguard/posguard/keys"
	"github.com/posguard/posguard/terminal"
)

// Frame addressing every bench terminal uses (the simterm defaults).
var (
	benchTPDU   = [5]byte{0x60, 0x00, 0x00, 0x00, 0x00}
	benchHeader = [6]byte{0x60, 0x31, 0x00, 0x00, 0x00, 0x00}
)

// client is one lean bench terminal: one TCP connection, one request at a
// time, built on the host's own codec, framing and key code.
type client struct {
	term  *posguard.Terminal
	keys  posguard.WorkingKeys
	batch string
	stan  int
	conn  net.Conn
	br    *bufio.Reader
	rbuf  []byte
	wbuf  []byte
	// echo: the peer sends our frame back; the answer is the request.
	echo bool
}

// dialClient connects terminal t to addr.
func dialClient(ctx context.Context, addr string, t *posguard.Terminal, echo bool) (*client, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, posguard.WrapError(posguard.EUNAVAILABLE, err, "bench: terminal %s: dial %s", t.ID, addr)
	}
	return &client{term: t, batch: "000001", stan: 1, conn: conn, br: bufio.NewReaderSize(conn, 4096), echo: echo}, nil
}

// close closes the connection.
func (c *client) close() error { return c.conn.Close() }

// nextSTAN returns the next field 11 (000001…999999).
func (c *client) nextSTAN() string {
	s := c.stan
	c.stan++
	if c.stan > 999999 {
		c.stan = 1
	}
	return fmt.Sprintf("%06d", s)
}

// signOn does a 0800 sign-on and keeps the working keys and batch. In echo
// mode the keys are made up locally (the echo server has none to give).
func (c *client) signOn(ctx context.Context) error {
	if c.echo {
		k, err := keys.GenerateWorkingKeys(c.term.KeyScheme)
		if err != nil {
			return err
		}
		c.keys = k
		return nil
	}
	m := iso8583.NewMessage("0800")
	m.Set(11, c.nextSTAN())
	m.Set(41, c.term.ID)
	m.Set(42, c.term.MerchantID)
	m.Set(60, "00"+c.batch+c.term.KeyScheme)
	m.Set(63, "001")
	body, err := terminal.CUPS.Pack(m)
	if err != nil {
		return err
	}
	resp, _, err := c.roundTrip(ctx, body, m.Get(11), time.Now().Add(10*time.Second))
	if err != nil {
		return err
	}
	if code := resp.Get(39); code != "00" {
		return posguard.Errorf(posguard.EUNAUTHORIZED, "bench: terminal %s: sign-on answered %s", c.term.ID, code)
	}
	if c.keys, err = terminal.DecodeField62(c.term.TMK, c.term.KeyScheme, resp.GetBytes(62)); err != nil {
		return err
	}
	if f60 := resp.Get(60); len(f60) >= 8 {
		c.batch = f60[2:8]
	}
	return nil
}

// sale builds a magstripe sale with PIN (fields as a CUPS terminal sends
// them), encrypts the PIN block under the PIK and MACs the message.
// It returns the packed body and its STAN.
func (c *client) sale(card posguard.Card, amount posguard.Amount) ([]byte, string, error) {
	stan := c.nextSTAN()
	pan := card.PAN.Reveal()
	m := iso8583.NewMessage("0200")
	m.Set(2, pan)
	m.Set(3, "000000")
	m.Set(4, fmt.Sprintf("%012d", int64(amount)))
	m.Set(11, stan)
	m.Set(22, "021")
	m.Set(25, "00")
	m.Set(26, "12")
	m.Set(35, pan+"D"+card.Expiry+"2010000000")
	clearBlock, err := keys.EncodePINBlock(card.PIN, card.PAN)
	if err != nil {
		return nil, "", err
	}
	block, err := keys.EncryptPINBlock(c.keys.PIK, clearBlock)
	clear(clearBlock)
	if err != nil {
		return nil, "", err
	}
	m.SetBytes(52, block)
	m.Set(53, "2600000000000000")
	m.Set(41, c.term.ID)
	m.Set(42, c.term.MerchantID)
	m.Set(49, posguard.CurrencyCNY)
	m.Set(60, "22"+c.batch+"000")
	m.Set(63, "001")
	m.SetBytes(64, make([]byte, keys.MACLen))
	body, err := terminal.CUPS.Pack(m)
	if err != nil {
		return nil, "", err
	}
	n := len(body) - keys.MACLen
	mac, err := keys.MAC(c.term.MAC, c.keys.MAK, body[:n])
	if err != nil {
		return nil, "", err
	}
	copy(body[n:], mac)
	return body, stan, nil
}

// roundTrip frames and sends body, then reads frames until the answer
// with field 11 = stan arrives, and checks its MAC when it carries one.
// It returns the answer and whether its MAC verified.
func (c *client) roundTrip(ctx context.Context, body []byte, stan string, deadline time.Time) (*iso8583.Message, bool, error) {
	f := terminal.Frame{TPDU: benchTPDU, Header: benchHeader, Body: body}
	c.wbuf = f.Append(c.wbuf[:0])
	c.conn.SetDeadline(deadline)
	if _, err := c.conn.Write(c.wbuf); err != nil {
		return nil, false, posguard.WrapError(posguard.EUNAVAILABLE, err, "bench: terminal %s: send", c.term.ID)
	}
	for {
		raw, err := terminal.ReadFrame(c.br, c.rbuf, 0)
		if err != nil {
			return nil, false, posguard.WrapError(posguard.EUNAVAILABLE, err, "bench: terminal %s: answer", c.term.ID)
		}
		c.rbuf = raw[:0]
		fr, err := terminal.ParseFrame(raw)
		if err != nil {
			continue
		}
		resp, err := terminal.CUPS.Unpack(fr.Body)
		if resp == nil || resp.Get(11) != stan {
			continue // a late answer to an earlier request
		}
		if err != nil {
			return nil, false, posguard.WrapError(posguard.EINVALID, err, "bench: terminal %s: answer", c.term.ID)
		}
		macOK := true
		if start, _, ok := resp.Span(64); ok && len(c.keys.MAK) > 0 {
			macOK = keys.VerifyMAC(c.term.MAC, c.keys.MAK, fr.Body[:start], resp.GetBytes(64))
		}
		return resp, macOK, nil
	}
}

// answerCode is the outcome of one exchange as the report counts it: field
// 39, "echo" for an echoed request, "mac" for an answer whose MAC failed,
// "timeout" or "error" when no answer came.
func answerCode(resp *iso8583.Message, macOK bool, err error) string {
	switch {
	case err != nil:
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return "timeout"
		}
		return "error"
	case !macOK:
		return "mac"
	case resp.Get(39) == "":
		return "echo"
	}
	return resp.Get(39)
}
