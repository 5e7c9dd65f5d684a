package simterm

import (
	"bufio"
	"context"
	"net"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/iso8583"
	"github.com/posguard/posguard/keys"
	"github.com/posguard/posguard/terminal"
)

// FuzzAnswer feeds arbitrary bytes to a terminal as the body of the answer
// to a sale. Whatever arrives, the terminal must not panic, and unless it
// got an approval it can trust it must keep the sale's reversal record.
func FuzzAnswer(f *testing.F) {
	k, err := keys.GenerateWorkingKeys(posguard.KeyScheme003)
	if err != nil {
		f.Fatal(err)
	}
	h := &testHost{keys: k, alg: posguard.MACCupsECB, scheme: posguard.KeyScheme003, tmk: testTMK}
	req := iso8583.NewMessage("0200")
	req.Set(3, "000000")
	req.Set(4, "000000000100")
	req.Set(11, "000001")
	req.Set(41, "10000001")
	req.Set(42, "898310048990001")
	f.Add(h.answer(req, reply{}, 1))
	f.Add(h.answer(req, reply{badMAC: true}, 1))
	f.Add(h.answer(req, reply{code: "51"}, 1))
	f.Add(h.answer(req, reply{code: "98"}, 1))
	f.Add([]byte{0x02, 0x10})
	f.Add([]byte{0x02, 0x10, 0x20, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x00, 0x01})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, body []byte) {
		client, server := net.Pipe()
		defer client.Close()
		term, err := newTerminal("pipe", Config{ID: "10000001", MerchantID: "898310048990001", TMK: testTMK, Timeout: 5 * time.Second, Logger: quietLogger()})
		if err != nil {
			t.Fatal(err)
		}
		term.conn, term.br, term.keys, term.signedOn = client, bufio.NewReader(client), k, true
		done := make(chan struct{})
		go func() {
			defer close(done)
			defer server.Close()
			raw, err := terminal.ReadFrame(server, nil, 0)
			if err != nil {
				return
			}
			fr, _ := terminal.ParseFrame(raw)
			out := terminal.ResponseFrame(fr, body, false)
			server.Write(out.Append(nil))
		}()
		res, err := term.Sale(context.Background(), testCard, 100)
		<-done
		if res == nil {
			t.Fatalf("no result for a sent sale: %v", err)
		}
		_, pending := term.PendingReversal()
		if res.Approved() {
			if err != nil || pending {
				t.Fatalf("approved with err %v, pending %v", err, pending)
			}
			return
		}
		if res.Code == "" && !pending {
			t.Fatalf("no usable answer (%v) and no reversal record", err)
		}
		if res.MACFailed && !pending {
			t.Fatal("MAC failure without a reversal record")
		}
	})
}
