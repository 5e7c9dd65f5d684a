package main

import (
	"encoding/hex"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/iso8583"
	"github.com/posguard/posguard/keys"
	"github.com/posguard/posguard/terminal"
)

// rawTerm is a terminal written for the tests from spec/terminal-8583.md
// alone: it builds every field itself and checks what comes back, so the
// host is tested against the contract rather than against its own codec's
// view of it (the codec's field table is used for packing only).
type rawTerm struct {
	t      *testing.T
	conn   net.Conn
	tid    string
	mid    string
	tmk    []byte
	scheme string
	mac    string
	pik    []byte
	mak    []byte
	batch  string
	stan   int
	header []byte // last answer's header
}

func dialRaw(t *testing.T, addr, tid, mid, tmkHex, scheme, macAlg string) *rawTerm {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	tmk, _ := hex.DecodeString(tmkHex)
	return &rawTerm{t: t, conn: c, tid: tid, mid: mid, tmk: tmk, scheme: scheme, mac: macAlg, batch: "000001"}
}

func (r *rawTerm) nextSTAN() string {
	r.stan++
	return fmt.Sprintf("%06d", r.stan)
}

// frame wraps a packed body: length, TPDU 60 0003 0000, header 603100000000.
func frame(body []byte) []byte {
	head := []byte{0x60, 0x00, 0x03, 0x00, 0x00, 0x60, 0x31, 0x00, 0x00, 0x00, 0x00}
	n := len(head) + len(body)
	return append(append([]byte{byte(n >> 8), byte(n)}, head...), body...)
}

// pack packs m, adding a MAC (field 64) when mac is set.
func (r *rawTerm) pack(m *iso8583.Message, mac bool) []byte {
	r.t.Helper()
	if mac {
		m.SetBytes(64, make([]byte, 8))
	}
	b, err := terminal.CUPS.Pack(m)
	if err != nil {
		r.t.Fatalf("pack %s: %v", m.MTI, err)
	}
	if mac {
		sum, err := keys.MAC(r.mac, r.mak, b[:len(b)-8])
		if err != nil {
			r.t.Fatal(err)
		}
		copy(b[len(b)-8:], sum)
	}
	return b
}

// roundTrip writes raw bytes and reads one answer; nil if the host closed.
func (r *rawTerm) roundTrip(raw []byte) *iso8583.Message {
	r.t.Helper()
	if _, err := r.conn.Write(raw); err != nil {
		r.t.Fatal(err)
	}
	r.conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	body, err := terminal.ReadFrame(r.conn, nil, 4096)
	if err != nil {
		return nil
	}
	f, err := terminal.ParseFrame(body)
	if err != nil {
		r.t.Fatalf("answer frame: %v", err)
	}
	if f.TPDU != [5]byte{0x60, 0x00, 0x00, 0x00, 0x03} {
		r.t.Fatalf("answer TPDU % X: source and destination not swapped", f.TPDU)
	}
	r.header = f.Header[:]
	m, err := terminal.CUPS.Unpack(f.Body)
	if err != nil {
		r.t.Fatalf("answer does not decode: %v", err)
	}
	// An approval must carry a MAC that verifies under our MAK.
	if m.Get(39) == "00" && (m.MTI == "0210" || m.MTI == "0230" || m.MTI == "0410") {
		if !m.Has(64) {
			r.t.Fatalf("%s approval without MAC", m.MTI)
		}
		if !keys.VerifyMAC(r.mac, r.mak, f.Body[:len(f.Body)-8], m.GetBytes(64)) {
			r.t.Fatalf("%s approval MAC does not verify", m.MTI)
		}
	}
	return m
}

func (r *rawTerm) send(m *iso8583.Message, mac bool) *iso8583.Message {
	r.t.Helper()
	return r.roundTrip(frame(r.pack(m, mac)))
}

// signOn signs on, checks every key check value and adopts the host batch.
func (r *rawTerm) signOn() string {
	r.t.Helper()
	m := iso8583.NewMessage("0800")
	m.Set(11, r.nextSTAN())
	m.Set(41, r.tid)
	m.Set(42, r.mid)
	m.Set(60, "00"+r.batch+r.scheme)
	m.Set(63, "001")
	a := r.send(m, false)
	if a == nil {
		r.t.Fatal("sign-on: connection closed")
	}
	if a.Get(39) != "00" {
		return a.Get(39)
	}
	f62 := a.GetBytes(62)
	keyLen, want := 16, 40
	switch r.scheme {
	case "001":
		keyLen, want = 8, 24
	case "004":
		want = 60
	}
	if len(f62) != want {
		r.t.Fatalf("field 62: %d bytes, want %d", len(f62), want)
	}
	// Decrypt each key under the TMK and check its value independently.
	var clear [][]byte
	for off := 0; off < len(f62); off += keyLen + 4 {
		k, err := keys.DecryptECB(r.tmk, f62[off:off+keyLen])
		if err != nil {
			r.t.Fatal(err)
		}
		kcv, _ := keys.EncryptECB(k, make([]byte, 8))
		if string(kcv[:4]) != string(f62[off+keyLen:off+keyLen+4]) {
			r.t.Fatalf("key at offset %d: check value mismatch", off)
		}
		clear = append(clear, k)
	}
	r.pik, r.mak = clear[0], clear[1]
	f60 := a.Get(60)
	r.batch = f60[2:8]
	for _, n := range []int{11, 12, 13, 32, 37, 41, 42} {
		if !a.Has(n) {
			r.t.Fatalf("0810 lacks field %d", n)
		}
	}
	return "00"
}

// card data of a financial request: PAN, expiry, swipe with PIN.
func (r *rawTerm) cardFields(m *iso8583.Message, pan posguard.PAN, expiry, pin string) {
	m.Set(2, pan.Reveal())
	m.Set(14, expiry)
	m.Set(22, "021")
	m.Set(26, "12")
	clear, err := keys.EncodePINBlock(pin, pan)
	if err != nil {
		r.t.Fatal(err)
	}
	enc, err := keys.EncryptPINBlock(r.pik, clear)
	if err != nil {
		r.t.Fatal(err)
	}
	m.SetBytes(52, enc)
	sec := "2600000000000000"
	if len(r.pik) == 8 {
		sec = "2000000000000000"
	}
	m.Set(53, sec)
}

func (r *rawTerm) financial(mti, proc, typ string, amount posguard.Amount) *iso8583.Message {
	m := iso8583.NewMessage(mti)
	m.Set(3, proc)
	if amount > 0 {
		m.Set(4, fmt.Sprintf("%012d", amount))
	}
	m.Set(11, r.nextSTAN())
	m.Set(25, "00")
	m.Set(41, r.tid)
	m.Set(42, r.mid)
	m.Set(49, "156")
	m.Set(60, typ+r.batch+"000")
	m.Set(63, "001")
	return m
}

func (r *rawTerm) sale(pan posguard.PAN, expiry, pin string, amount posguard.Amount) *iso8583.Message {
	m := r.financial("0200", "000000", "22", amount)
	r.cardFields(m, pan, expiry, pin)
	return m
}

func (r *rawTerm) inquiry(pan posguard.PAN, expiry, pin string) *iso8583.Message {
	m := r.financial("0200", "310000", "01", 0)
	r.cardFields(m, pan, expiry, pin)
	return m
}

// void of an approved sale answer.
func (r *rawTerm) void(pan posguard.PAN, expiry string, sale, ans *iso8583.Message, amount posguard.Amount) *iso8583.Message {
	m := r.financial("0200", "200000", "23", amount)
	m.Set(2, pan.Reveal())
	m.Set(14, expiry)
	m.Set(22, "022")
	m.Set(37, ans.Get(37))
	m.Set(38, ans.Get(38))
	m.Set(61, r.batch+sale.Get(11))
	return m
}

func (r *rawTerm) refund(pan posguard.PAN, expiry string, ans *iso8583.Message, amount posguard.Amount) *iso8583.Message {
	m := r.financial("0220", "200000", "25", amount)
	m.Set(2, pan.Reveal())
	m.Set(14, expiry)
	m.Set(22, "022")
	m.Set(37, ans.Get(37))
	m.Set(61, "000000000000"+ans.Get(13))
	return m
}

// reversal of orig (same 11, 4, 41, 42, 60) with reason code.
func (r *rawTerm) reversal(orig *iso8583.Message, amount posguard.Amount, reason string) *iso8583.Message {
	m := iso8583.NewMessage("0400")
	for _, n := range []int{2, 3, 11, 14, 22, 25, 41, 42, 49, 60} {
		if orig.Has(n) {
			m.Set(n, orig.Get(n))
		}
	}
	m.Set(4, fmt.Sprintf("%012d", amount))
	m.Set(39, reason)
	return m
}

func (r *rawTerm) settle(totals posguard.BatchTotals) *iso8583.Message {
	m := iso8583.NewMessage("0500")
	m.Set(11, r.nextSTAN())
	m.Set(41, r.tid)
	m.Set(42, r.mid)
	m.Set(48, terminal.Settlement{Totals: totals}.String())
	m.Set(49, "156")
	m.Set(60, "00"+r.batch+"201")
	m.Set(63, "001")
	return m
}
