package simterm

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/iso8583"
	"github.com/posguard/posguard/keys"
	"github.com/posguard/posguard/terminal"
)

// reply tells the test host how to answer one request.
type reply struct {
	code    string // field 39; default 00
	badMAC  bool   // spoil the answer's MAC
	silent  bool   // send nothing
	resign  bool   // header processing requirement 3
	badKCV  bool   // sign-on: spoil the PIK check value
	unbal   bool   // settlement: answer unbalanced
	noField bool   // omit field 64 from an approval
}

// seen is one request the host received.
type seen struct {
	msg   *iso8583.Message
	macOK bool // field 64 verified under the MAK (false when absent)
	hdr   [6]byte
}

// testHost is a small terminal gateway speaking the profile for tests: it
// signs terminals on with real field 62 keys, MACs its answers and records
// every request. script, when set, decides the answer to each request.
type testHost struct {
	t      *testing.T
	ln     net.Listener
	tmk    []byte
	scheme string
	alg    string
	keys   posguard.WorkingKeys
	batch  string

	mu     sync.Mutex
	reqs   []seen
	script func(m *iso8583.Message) reply
	rrn    int
	conns  []net.Conn
	wg     sync.WaitGroup // accept and serve goroutines
}

func newTestHost(t *testing.T, scheme, alg string) *testHost {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	k, err := keys.GenerateWorkingKeys(scheme)
	if err != nil {
		t.Fatal(err)
	}
	h := &testHost{t: t, ln: ln, tmk: testTMK, scheme: scheme, alg: alg, keys: k, batch: "000001"}
	h.wg.Add(1)
	go h.accept()
	t.Cleanup(func() {
		ln.Close()
		h.mu.Lock()
		for _, c := range h.conns {
			c.Close()
		}
		h.mu.Unlock()
		h.wg.Wait()
	})
	return h
}

var testTMK = []byte{0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22}

func (h *testHost) addr() string { return h.ln.Addr().String() }

func (h *testHost) setScript(f func(m *iso8583.Message) reply) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.script = f
}

// requests returns the requests received so far.
func (h *testHost) requests() []seen {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]seen(nil), h.reqs...)
}

// mtis returns the MTIs of the requests received so far.
func (h *testHost) mtis() []string {
	var out []string
	for _, s := range h.requests() {
		out = append(out, s.msg.MTI)
	}
	return out
}

func (h *testHost) accept() {
	defer h.wg.Done()
	for {
		c, err := h.ln.Accept()
		if err != nil {
			return
		}
		h.mu.Lock()
		h.conns = append(h.conns, c)
		h.wg.Add(1)
		h.mu.Unlock()
		go h.serve(c)
	}
}

func (h *testHost) serve(c net.Conn) {
	defer h.wg.Done()
	defer c.Close()
	br := bufio.NewReader(c)
	for {
		raw, err := terminal.ReadFrame(br, nil, 0)
		if err != nil {
			return // the terminal hung up (after a timeout) or the test ended
		}
		fr, err := terminal.ParseFrame(raw)
		if err != nil {
			h.t.Errorf("test host: %v", err)
			return
		}
		req, err := terminal.CUPS.Unpack(fr.Body)
		if err != nil {
			h.t.Errorf("test host: unpack %x: %v", fr.Body, err)
			return
		}
		s := seen{msg: req, hdr: fr.Header}
		if start, _, ok := req.Span(64); ok {
			s.macOK = keys.VerifyMAC(h.alg, h.keys.MAK, fr.Body[:start], req.GetBytes(64))
		}
		h.mu.Lock()
		h.reqs = append(h.reqs, s)
		h.rrn++
		rrn := h.rrn
		var r reply
		if h.script != nil {
			r = h.script(req) // under h.mu: scripts may keep counters
		}
		h.mu.Unlock()
		if r.silent {
			continue
		}
		body := h.answer(req, r, rrn)
		out := terminal.ResponseFrame(fr, body, r.resign)
		if _, err := c.Write(out.Append(nil)); err != nil {
			return
		}
	}
}

// answer builds the response body to req.
func (h *testHost) answer(req *iso8583.Message, r reply, rrn int) []byte {
	code := r.code
	if code == "" {
		code = "00"
	}
	m := iso8583.NewMessage(responseMTI(req.MTI))
	for _, n := range []int{2, 3, 4, 11, 22, 25, 41, 42, 49, 60} {
		if req.Has(n) {
			m.Set(n, req.Get(n))
		}
	}
	m.Set(12, "101112")
	m.Set(13, "0615")
	m.Set(39, code)
	switch req.MTI {
	case "0800":
		m.Set(60, "00"+h.batch+h.scheme)
		if code == "00" {
			f62, err := terminal.EncodeField62(h.tmk, h.scheme, h.keys)
			if err != nil {
				h.t.Error(err)
			}
			if r.badKCV {
				f62[len(h.keys.PIK)] ^= 0xFF
			}
			m.SetBytes(62, f62)
		}
	case "0500":
		m.Set(15, "0615")
		f48 := req.Get(48)
		if len(f48) == 62 {
			res := byte('1')
			if r.unbal {
				res = '2'
			}
			f48 = f48[:30] + string(res) + f48[31:61] + "1"
		}
		m.Set(48, f48)
		m.Set(37, fmt.Sprintf("%012d", rrn))
	case "0200", "0220", "0400":
		m.Set(15, "0615")
		m.Set(37, fmt.Sprintf("%012d", rrn))
		if code == "00" {
			m.Set(38, "A1B2C3")
			m.Set(63, "CUP")
			if req.Get(3) == "310000" {
				m.Set(54, "1002156C000000123456")
			}
		}
	}
	withMAC := code == "00" && answerMACed(m.MTI) && !r.noField
	if withMAC {
		m.SetBytes(64, make([]byte, 8))
	}
	body, err := terminal.CUPS.Pack(m)
	if err != nil {
		h.t.Errorf("test host: pack: %v", err)
	}
	if withMAC {
		n := len(body) - 8
		mac, err := keys.MAC(h.alg, h.keys.MAK, body[:n])
		if err != nil {
			h.t.Error(err)
		}
		if r.badMAC {
			mac[0] ^= 0x01
		}
		copy(body[n:], mac)
	}
	return body
}

// dialTest dials a terminal to h with the given config changes.
func dialTest(t *testing.T, h *testHost, change func(*Config)) *Terminal {
	t.Helper()
	c := Config{ID: "10000001", MerchantID: "898310048990001", TMK: testTMK, Scheme: h.scheme, MACAlg: h.alg, Timeout: 10 * time.Second}
	if change != nil {
		change(&c)
	}
	term, err := Dial(context.Background(), h.addr(), c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { term.Close() })
	return term
}

var testCard = Card{PAN: "6222020000000000018", Expiry: "3012", PIN: "123456"}
