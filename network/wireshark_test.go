package network

import (
	"bytes"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/posguard/posguard"
)

// TestTrack2OnlyWithoutPAN: a swiped sale goes upstream with its PAN (2)
// and expiry (14) and without track 2 (35); a request whose only card
// number is in track 2 keeps it.
func TestTrack2OnlyWithoutPAN(t *testing.T) {
	req := &posguard.UpstreamRequest{MTI: "0200", PAN: "6222021234567890123", Expiry: "4912", ProcCode: "000000", Amount: 1234,
		STAN: "000123", Time: "1206120000", Track2: "6222021234567890123D49121011234567890", PINBlock: []byte{1, 2, 3, 4, 5, 6, 7, 8}}
	m, err := EncodeRequest(req)
	if err != nil {
		t.Fatal(err)
	}
	if m.Has(fTrack2) || !m.Has(fPAN) || !m.Has(fExpiry) {
		t.Fatalf("fields 2 %v, 14 %v, 35 %v; want 2 and 14 without 35", m.Has(fPAN), m.Has(fExpiry), m.Has(fTrack2))
	}
	only := *req
	only.PAN, only.Expiry = "", ""
	if m, err = EncodeRequest(&only); err != nil || !m.Has(fTrack2) {
		t.Fatalf("track 2 as the only card number: 35 present %v (%v)", m.Has(fTrack2), err)
	}
}

// TestStockWiresharkReadsA0200 runs tshark's ISO 8583 dissector, set as
// docs/network.md says, over a swiped 0200 with a PIN block as posguard
// sends it, and wants no malformed field. It needs tshark and text2pcap
// (apt-get install tshark) and is skipped without them.
func TestStockWiresharkReadsA0200(t *testing.T) {
	tshark, err1 := exec.LookPath("tshark")
	text2pcap, err2 := exec.LookPath("text2pcap")
	if err1 != nil || err2 != nil {
		t.Skip("tshark and text2pcap are not installed (apt-get install tshark)")
	}
	req := &posguard.UpstreamRequest{MTI: "0200", PAN: "6222021234567890123", Expiry: "4912", ProcCode: "000000", Amount: 1234,
		STAN: "000123", Time: "1206120000", LocalTime: "200000", LocalDate: "1206", MCC: "5812", EntryMode: "021", CondCode: "00",
		AcquirerID: "48021000", Track2: "6222021234567890123D49121011234567890", RRN: "120600000123", TerminalID: "10000001",
		MerchantID: "898310048990001", Currency: "156", PINBlock: []byte{1, 2, 3, 4, 5, 6, 7, 8}}
	m, err := EncodeRequest(req)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := Spec87.Pack(m)
	if err != nil {
		t.Fatal(err)
	}
	frame, err := AppendFrame(nil, msg)
	if err != nil {
		t.Fatal(err)
	}
	// text2pcap's input: a hex dump with offsets.
	var dump strings.Builder
	for off := 0; off < len(frame); off += 16 {
		end := min(off+16, len(frame))
		dump.WriteString(hex.EncodeToString([]byte{byte(off >> 16), byte(off >> 8), byte(off)}))
		for _, b := range frame[off:end] {
			dump.WriteString(" " + hex.EncodeToString([]byte{b}))
		}
		dump.WriteString("\n")
	}
	dir := t.TempDir()
	in, pcap := filepath.Join(dir, "frame.txt"), filepath.Join(dir, "frame.pcap")
	if err := os.WriteFile(in, []byte(dump.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(text2pcap, "-T", "40000,5900", in, pcap).CombinedOutput(); err != nil {
		t.Fatalf("text2pcap: %v\n%s", err, out)
	}
	out, err := exec.Command(tshark, "-r", pcap, "-d", "tcp.port==5900,iso8583",
		"-o", "iso8583.len_endian:Big endian",
		"-o", "iso8583.charset:Digits represented as ASCII Characters",
		"-o", "iso8583.binencode:Bin data not encoded", "-V").CombinedOutput()
	if err != nil {
		t.Fatalf("tshark: %v\n%s", err, out)
	}
	for _, want := range []string{"MTI: 0200", "Bit 2: 6222021234567890123", "Bit 42: 898310048990001", "Bit 52:"} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("tshark shows no %q", want)
		}
	}
	if bytes.Contains(out, []byte("MALFORMED")) {
		t.Errorf("tshark flags the 0200 as malformed:\n%s", out)
	}
}
