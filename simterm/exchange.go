package simterm

import (
	"context"
	"errors"
	"net"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/iso8583"
	"github.com/posguard/posguard/keys"
	"github.com/posguard/posguard/terminal"
)

// ErrAnswerMAC is returned (wrapped) when an approval's MAC does not verify
// under the terminal's MAK: the terminal cannot trust the answer.
var ErrAnswerMAC = posguard.Errorf(posguard.EUNAUTHORIZED, "simterm: answer MAC verification failed")

// errMalformed marks an answer the terminal could not decode.
var errMalformed = errors.New("malformed answer")

// answer is one response the terminal accepted as the answer to its request.
type answer struct {
	msg     *iso8583.Message
	resign  bool // header processing requirement 3
	macOK   bool // false when 39 = 00 and the MAC is missing or wrong
	elapsed time.Duration
}

// code returns field 39.
func (a *answer) code() string { return a.msg.Get(39) }

// Send sends m as it is and returns the host's answer (MTI + 10 with the
// same field 11). It frames the message, MACs it (field 64 over the MTI up
// to the byte before 64) when the terminal holds a MAK and the message is
// not a sign-on or echo test, and checks the answer's MAC when 39 = 00.
// Send keeps no reversal record and does not count STANs: the caller owns
// the message. Returns the answer and an error wrapping ErrAnswerMAC when
// its MAC fails; ETIMEOUT when no answer came in time; EUNAVAILABLE when the
// connection failed; EINVALID for an answer that does not decode.
func (t *Terminal) Send(ctx context.Context, m *iso8583.Message) (*iso8583.Message, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	a, err := t.exchange(ctx, m)
	if a == nil {
		return nil, err
	}
	return a.msg, err
}

// macs reports whether a request carries field 64: every one but the
// sign-on (0800, no keys yet) and the echo test; a sign-off (0820 with 60.3
// 002) is MACed.
func macs(m *iso8583.Message) bool {
	if len(m.MTI) != 4 {
		return false
	}
	if m.MTI == "0820" {
		f60 := m.Get(60)
		return len(f60) >= 11 && f60[8:11] == "002"
	}
	return m.MTI[:2] != "08"
}

// answerMACed reports whether an approved answer of this MTI must carry a
// MAC: the financial answers (0110, 0210, 0230, 0410…), not 0510 or 08xx.
func answerMACed(mti string) bool {
	switch mti {
	case "0110", "0130", "0210", "0230", "0410", "0430":
		return true
	}
	return false
}

// responseMTI returns the request MTI + 10.
func responseMTI(mti string) string {
	if len(mti) != 4 {
		return ""
	}
	b := []byte(mti)
	if b[2] < '9' {
		b[2]++
	}
	return string(b)
}

// exchange sends m and waits for its answer. On any I/O failure the
// connection is closed; the next exchange dials again.
func (t *Terminal) exchange(ctx context.Context, m *iso8583.Message) (*answer, error) {
	if err := ctx.Err(); err != nil {
		return nil, posguard.WrapError(posguard.EUNAVAILABLE, err, "simterm: terminal %s", t.ID)
	}
	if t.conn == nil {
		if err := t.connect(ctx); err != nil {
			return nil, err
		}
	}
	body, err := t.pack(m)
	if err != nil {
		return nil, err
	}
	f := terminal.Frame{TPDU: t.tpdu, Header: t.hdr, Body: body}
	start := time.Now()
	deadline := t.deadline(ctx)
	t.conn.SetDeadline(deadline)
	conn := t.conn
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Now()) })
	defer stop()
	if _, err := t.conn.Write(f.Append(nil)); err != nil {
		t.dropConn()
		return nil, t.ioError(ctx, err, "send "+m.MTI)
	}
	want := responseMTI(m.MTI)
	for {
		raw, err := terminal.ReadFrame(t.br, t.rbuf, 0)
		if err != nil {
			t.dropConn()
			return nil, t.ioError(ctx, err, "answer to "+m.MTI)
		}
		t.rbuf = raw[:0]
		fr, err := terminal.ParseFrame(raw)
		if err != nil {
			t.log.Warn("simterm: unreadable frame", "err", err)
			continue
		}
		resp, err := terminal.CUPS.Unpack(fr.Body)
		if resp == nil || resp.MTI != want || resp.Get(11) != m.Get(11) {
			// Not ours: a late answer to an earlier request, or garbage.
			t.log.Debug("simterm: frame skipped", "mti", mtiOf(resp), "stan", stanOf(resp))
			continue
		}
		if err != nil {
			return nil, posguard.WrapError(posguard.EINVALID, errors.Join(errMalformed, err), "simterm: terminal %s: answer to %s", t.ID, m.MTI)
		}
		a := &answer{msg: resp, resign: terminal.ProcessingRequirement(fr.Header) == terminal.ProcSignOn, macOK: true, elapsed: time.Since(start)}
		if a.code() == "00" && answerMACed(resp.MTI) {
			a.macOK = t.verify(fr.Body, resp)
		}
		if a.resign || a.code() == "A0" {
			t.resign = true
		}
		if !a.macOK {
			t.stats.macFailures++
			t.resign = true
			return a, ErrAnswerMAC
		}
		return a, nil
	}
}

// pack encodes m, with field 64 computed over the bytes before it when the
// message needs a MAC and the terminal has keys.
func (t *Terminal) pack(m *iso8583.Message) ([]byte, error) {
	withMAC := macs(m) && len(t.keys.MAK) > 0
	if withMAC {
		m.SetBytes(64, make([]byte, keys.MACLen))
	} else {
		m.Unset(64)
	}
	body, err := terminal.CUPS.Pack(m)
	if err != nil {
		return nil, posguard.WrapError(posguard.EINVALID, err, "simterm: terminal %s: pack %s", t.ID, m.MTI)
	}
	if withMAC {
		// Field 64 is fixed b8 and the last field: the final 8 bytes.
		n := len(body) - keys.MACLen
		mac, err := keys.MAC(t.MACAlg, t.keys.MAK, body[:n])
		if err != nil {
			return nil, err
		}
		copy(body[n:], mac)
		m.SetBytes(64, mac)
	}
	return body, nil
}

// verify checks the answer's MAC over its body up to field 64.
func (t *Terminal) verify(body []byte, resp *iso8583.Message) bool {
	start, _, ok := resp.Span(64)
	if !ok || len(t.keys.MAK) == 0 {
		return false
	}
	return keys.VerifyMAC(t.MACAlg, t.keys.MAK, body[:start], resp.GetBytes(64))
}

// ioError classifies a read or write failure: ETIMEOUT when the deadline
// passed (or ctx ended), EUNAVAILABLE otherwise.
func (t *Terminal) ioError(ctx context.Context, err error, what string) error {
	if ctx.Err() != nil {
		return posguard.WrapError(posguard.ETIMEOUT, ctx.Err(), "simterm: terminal %s: %s", t.ID, what)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return posguard.WrapError(posguard.ETIMEOUT, err, "simterm: terminal %s: %s: timed out", t.ID, what)
	}
	return posguard.WrapError(posguard.EUNAVAILABLE, err, "simterm: terminal %s: %s", t.ID, what)
}

func mtiOf(m *iso8583.Message) string {
	if m == nil {
		return ""
	}
	return m.MTI
}

func stanOf(m *iso8583.Message) string {
	if m == nil {
		return ""
	}
	return m.Get(11)
}
