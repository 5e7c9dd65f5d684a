package terminal

import (
	"bytes"
	"errors"
	"io"
	"net"
	"testing"
)

func TestParseFrame(t *testing.T) {
	full := frameOf(t, signOnBody)
	tests := []struct {
		name string
		in   []byte
		ok   bool
	}{
		{"with length prefix", full, true},
		{"without length prefix", full[2:], true},
		{"opaque header with non-decimal nibbles", unhex(t, tpduHex+"60310031FFF1"+signOnBody), true},
		{"no prefix, no TPDU", unhex(t, "7000030000"+headerHex+signOnBody), false},
		{"too short", unhex(t, "6000030000 6031"), false},
		{"prefix but short", unhex(t, "0003 600003"), false},
		{"empty", nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := ParseFrame(tc.in)
			if !tc.ok {
				var fe *FrameError
				if !errors.As(err, &fe) {
					t.Fatalf("err = %v, want *FrameError", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseFrame: %v", err)
			}
			if f.TPDU != [5]byte{0x60, 0x00, 0x03, 0x00, 0x00} {
				t.Errorf("TPDU = % X", f.TPDU)
			}
			if !bytes.Equal(f.Body, unhex(t, signOnBody)) {
				t.Errorf("Body = % X", f.Body)
			}
		})
	}
	f, _ := ParseFrame(unhex(t, tpduHex+"60310031FFF1"+signOnBody))
	if f.Header != [6]byte{0x60, 0x31, 0x00, 0x31, 0xFF, 0xF1} {
		t.Errorf("header = % X", f.Header)
	}
}

func TestFrameAppendRoundTrip(t *testing.T) {
	f := parseBody(t, saleBody)
	out := f.Append([]byte{0xEE})
	if out[0] != 0xEE || !bytes.Equal(out[1:], frameOf(t, saleBody)) {
		t.Fatalf("Append = % X", out)
	}
}

func TestResponseTPDUAndHeader(t *testing.T) {
	if got := ResponseTPDU([5]byte{0x60, 0x00, 0x03, 0x80, 0x01}); got != [5]byte{0x60, 0x80, 0x01, 0x00, 0x03} {
		t.Errorf("ResponseTPDU = % X", got)
	}
	h := [6]byte{0x60, 0x31, 0x00, 0x31, 0xFF, 0xF1}
	if p := ProcessingRequirement(h); p != 0 {
		t.Errorf("ProcessingRequirement = %d", p)
	}
	h3 := WithProcessingRequirement(h, ProcSignOn)
	if h3 != [6]byte{0x60, 0x31, 0x03, 0x31, 0xFF, 0xF1} || ProcessingRequirement(h3) != 3 {
		t.Errorf("WithProcessingRequirement = % X", h3)
	}
	// The terminal-state nibble is kept.
	if got := WithProcessingRequirement([6]byte{0, 0, 0x13}, 0); got[2] != 0x10 {
		t.Errorf("state nibble lost: % X", got)
	}
	req := parseBody(t, saleBody)
	resp := ResponseFrame(req, []byte{1}, true)
	if resp.TPDU != ResponseTPDU(req.TPDU) || ProcessingRequirement(resp.Header) != ProcSignOn || resp.Header[0] != req.Header[0] {
		t.Errorf("ResponseFrame = %+v", resp)
	}
}

func TestReadFrame(t *testing.T) {
	full := frameOf(t, saleBody)
	tests := []struct {
		name    string
		in      []byte
		max     int
		want    []byte
		wantErr any
	}{
		{"one frame", full, 0, full[2:], nil},
		{"empty stream", nil, 0, nil, io.EOF},
		{"over max", []byte{0x08, 0x01}, 0, nil, &LengthError{}},
		{"over a given max", full, 10, nil, &LengthError{}},
		{"half a length", []byte{0x00}, 0, nil, &ShortReadError{}},
		{"short body", full[:20], 0, nil, &ShortReadError{}},
		{"zero length", []byte{0, 0}, 0, []byte{}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ReadFrame(bytes.NewReader(tc.in), make([]byte, 0, 16), tc.max)
			switch want := tc.wantErr.(type) {
			case nil:
				if err != nil || !bytes.Equal(got, tc.want) {
					t.Fatalf("ReadFrame = % X, %v", got, err)
				}
			case *LengthError:
				var le *LengthError
				if !errors.As(err, &le) {
					t.Fatalf("err = %v, want *LengthError", err)
				}
			case *ShortReadError:
				var se *ShortReadError
				if !errors.As(err, &se) || !errors.Is(err, io.ErrUnexpectedEOF) {
					t.Fatalf("err = %v, want *ShortReadError wrapping unexpected EOF", err)
				}
			case error:
				if !errors.Is(err, want) {
					t.Fatalf("err = %v, want %v", err, want)
				}
			}
		})
	}
}

// TestReadFrameTCP reads two pipelined frames over a real TCP connection.
func TestReadFrameTCP(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	a, b := frameOf(t, signOnBody), frameOf(t, saleBody)
	go func() {
		c, err := net.Dial("tcp", l.Addr().String())
		if err != nil {
			return
		}
		defer c.Close()
		c.Write(append(append([]byte{}, a...), b...))
	}()
	c, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	buf := make([]byte, 0, 64)
	for i, want := range [][]byte{a[2:], b[2:]} {
		got, err := ReadFrame(c, buf, 0)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("frame %d: % X, %v", i, got, err)
		}
	}
	if _, err := ReadFrame(c, buf, 0); err != io.EOF {
		t.Fatalf("after the last frame: %v, want io.EOF", err)
	}
}
