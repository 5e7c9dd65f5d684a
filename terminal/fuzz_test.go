package terminal

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"testing"

	"github.com/posguard/posguard"
)

// fuzzSeeds adds the hand-built frames, with and without length prefix,
// and a few broken ones.
func fuzzSeeds(f *testing.F) {
	for _, body := range []string{signOnBody, saleBody, voidBody, settleBody} {
		full := frameOf(f, body)
		f.Add(full)
		f.Add(full[2:])
		f.Add(full[:len(full)-3])
	}
	f.Add(unhex(f, tpduHex+"60310031FFF1"+"02A0"))
	f.Add([]byte{0x60})
	f.Add([]byte{})
}

// FuzzParseFrame checks that no input panics ParseFrame and that a parsed
// frame re-encodes to a frame that parses the same.
func FuzzParseFrame(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		fr, err := ParseFrame(data)
		if err != nil {
			return
		}
		again, err := ParseFrame(fr.Append(nil))
		if err != nil {
			t.Fatalf("re-parse: %v", err)
		}
		if again.TPDU != fr.TPDU || again.Header != fr.Header || !bytes.Equal(again.Body, fr.Body) {
			t.Fatal("frame changed on round trip")
		}
	})
}

// FuzzDecodeRequest checks that no frame panics DecodeRequest, that a
// failure is always a *FormatError, and that an answerable one builds a
// 30 answer that packs.
func FuzzDecodeRequest(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		fr, err := ParseFrame(data)
		if err != nil {
			return
		}
		req, m, err := DecodeRequest(fr)
		if err != nil {
			fe, ok := IsFormatError(err)
			if !ok {
				t.Fatalf("error is not a *FormatError: %v", err)
			}
			if ans := BuildFormatError(fe); ans != nil {
				if _, err := CUPS.Pack(ans); err != nil {
					t.Fatalf("30 answer does not pack: %v", err)
				}
			}
			return
		}
		if req.Type == "" || req.ContentHash == "" || req.STAN == "" || req.TerminalID == "" {
			t.Fatalf("incomplete request %+v", req)
		}
		if _, err := CUPS.Pack(BuildResponse(req, m, nil)); err != nil {
			t.Fatalf("echo answer does not pack: %v", err)
		}
	})
}

// FuzzDecodeView checks that no input panics DecodeView and that every
// card data and secret field it shows is masked or hidden.
func FuzzDecodeView(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		v, _ := DecodeView(data)
		if v == nil {
			return
		}
		if _, err := v.JSON(); err != nil {
			t.Fatal(err)
		}
		_ = v.Text()
		fr, _ := ParseFrame(data)
		m, _ := CUPS.Unpack(fr.Body)
		for _, vf := range v.Fields {
			raw := m.Get(vf.Num)
			var want string
			switch vf.Num {
			case fPAN:
				want = posguard.MaskPAN(raw)
			case fTrack2, fTrack3:
				want = MaskTrack(raw)
			case fPINBlock, fICC, fField62:
				want = hidden
			default:
				continue
			}
			if vf.Value != want {
				t.Fatalf("field %d shown as %q", vf.Num, vf.Value)
			}
		}
	})
}

// FuzzParseUploadRecords: no input panics; what parses packs back to the
// same digits (records round-trip).
func FuzzParseUploadRecords(f *testing.F) {
	f.Add("00")
	f.Add("01" + "00" + "000123" + "00006225880000000019" + "000000001500")
	f.Add("02" + "00" + "000001" + "00006225880000000019" + "000000000100" + "01" + "000002" + "06222020000000000034" + "000000009999")
	f.Add("09")
	f.Add("01" + "00" + "000123" + "00000000000000000019" + "000000001500")
	f.Add("x1")
	f.Fuzz(func(t *testing.T, s string) {
		recs, err := ParseUploadRecords(s)
		if err != nil {
			return
		}
		if back := UploadRecords(recs); back != s {
			t.Fatalf("round trip %q → %q", s, back)
		}
	})
}

// FuzzGatewayServeFrame checks that no frame panics the gateway, that an
// answer it gives is a frame whose body unpacks, and that the messages it
// reuses carry nothing from one request to the next: a frame served again
// after a sale gets the same answer, byte for byte.
func FuzzGatewayServeFrame(f *testing.F) {
	fuzzSeeds(f)
	g := &Gateway{Handler: approvingHandler{mak: unhex(f, "0123456789ABCDEF")}, Logger: slog.New(slog.DiscardHandler)}
	info := &ConnInfo{ID: 1, Remote: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5000}}
	sale := frameOf(f, saleBody)
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx := context.Background()
		first, closeFirst := g.ServeFrame(ctx, info, bytes.Clone(data))
		if _, closeSale := g.ServeFrame(ctx, info, bytes.Clone(sale)); closeSale {
			t.Fatal("the sale was not answered")
		}
		again, closeAgain := g.ServeFrame(ctx, info, bytes.Clone(data))
		if closeFirst != closeAgain || !bytes.Equal(first, again) {
			t.Fatalf("the same frame answered differently after a sale:\n% x\n% x", first, again)
		}
		if first == nil {
			return
		}
		// TPDU and header (the request's TPDU ID is echoed, whatever it
		// was), then the body.
		if len(first) < 11 {
			t.Fatalf("answer of %d bytes, shorter than TPDU and header", len(first))
		}
		if _, err := CUPS.Unpack(first[11:]); err != nil {
			t.Fatalf("answer body does not unpack: %v", err)
		}
	})
}
