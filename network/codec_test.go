package network

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"testing"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/iso8583"
)

func sampleSale() *posguard.UpstreamRequest {
	return &posguard.UpstreamRequest{
		MTI:        "0200",
		ProcCode:   "000000",
		PAN:        "6225880000000018",
		Expiry:     "2812",
		Amount:     12345,
		Currency:   "156",
		STAN:       "000123",
		Time:       "0311101530",
		LocalTime:  "181530",
		LocalDate:  "0311",
		MCC:        "5411",
		EntryMode:  "021",
		CondCode:   "00",
		AcquirerID: "48021000",
		Track2:     "6225880000000018D28121010000000000",
		RRN:        "331510000123",
		TerminalID: "10000001",
		MerchantID: "898310048990001",
		PINBlock:   []byte{1, 2, 3, 4, 5, 6, 7, 8},
		ICC:        []byte{0x9F, 0x26, 0x02, 0xAB, 0xCD},
	}
}

func TestRequestRoundTrip(t *testing.T) {
	void := sampleSale()
	void.ProcCode = "200000"
	void.AuthCode = "123456"
	void.PINBlock = nil
	void.Original = &posguard.OriginalData{MTI: "0200", STAN: "000100", Time: "0311101000", AcquirerID: "48021000"}
	rev := &posguard.UpstreamRequest{MTI: "0420", ProcCode: "000000", PAN: "6225880000000018", Amount: 500,
		Currency: "156", STAN: "000124", Time: "0311101600", AcquirerID: "48021000", ReasonCode: "98",
		TerminalID: "10000001", MerchantID: "898310048990001",
		Original: &posguard.OriginalData{MTI: "0200", STAN: "000123", Time: "0311101530", AcquirerID: "48021000", ForwardingID: "1"}}
	inquiry := &posguard.UpstreamRequest{MTI: "0200", ProcCode: "310000", PAN: "6225880000000018", STAN: "000001",
		Time: "0101000000", AcquirerID: "1", TerminalID: "T1"}
	echo := &posguard.UpstreamRequest{MTI: "0800", STAN: "000009", Time: "0101000000", AcquirerID: "48021000"}
	tests := []struct {
		name       string
		req        *posguard.UpstreamRequest
		wantAmount bool
	}{
		{"sale", sampleSale(), true},
		{"void with original", void, true},
		{"reversal advice", rev, true},
		{"inquiry without amount", inquiry, false},
		{"echo", echo, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := EncodeRequest(tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if m.Has(fAmount) != tt.wantAmount {
				t.Fatalf("field 4 present = %v, want %v", m.Has(fAmount), tt.wantAmount)
			}
			data, err := Spec87.Pack(m)
			if err != nil {
				t.Fatal(err)
			}
			back, err := Spec87.Unpack(data)
			if err != nil {
				t.Fatal(err)
			}
			got, err := DecodeRequest(back)
			if err != nil {
				t.Fatal(err)
			}
			want := *tt.req
			if want.PAN != "" {
				want.Track2 = "" // track 2 goes only without a PAN
			}
			if !reflect.DeepEqual(got, &want) {
				t.Fatalf("round trip:\n got %+v\nwant %+v", got, &want)
			}
			if tt.req.MTI == "0800" && back.Get(fNetMgmt) != NetMgmtEcho {
				t.Fatalf("field 70 = %q, want 301", back.Get(fNetMgmt))
			}
		})
	}
}

func TestResponseRoundTrip(t *testing.T) {
	resp := &posguard.UpstreamResponse{MTI: "0210", Code: "00", AuthCode: "654321", RRN: "331510000123",
		STAN: "000123", Time: "0311101530", AcquirerID: "48021000", TerminalID: "10000001",
		Amount: 12345, HasAmount: true, Balance: "0002156C000000010000", IssuerID: "62258800000",
		ICC: []byte{0x91, 0x01, 0x00}}
	m, err := EncodeResponse(resp)
	if err != nil {
		t.Fatal(err)
	}
	data, err := Spec87.Pack(m)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Spec87.Unpack(data)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeResponse(back)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, resp) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, resp)
	}
}

func TestWireFormat(t *testing.T) {
	// The profile is ASCII: MTI and digits readable, LL prefix as digits.
	m, err := EncodeRequest(&posguard.UpstreamRequest{MTI: "0200", PAN: "6225880000000018", ProcCode: "000000",
		Amount: 1, STAN: "000001", Time: "0101000000"})
	if err != nil {
		t.Fatal(err)
	}
	data, err := Spec87.Pack(m)
	if err != nil {
		t.Fatal(err)
	}
	want := []byte("0200")
	want = append(want, 0x72, 0x20, 0, 0, 0, 0, 0, 0) // bits 2 3 4 7 11
	want = append(want, "16"+"6225880000000018"+"000000"+"000000000001"+"0101000000"+"000001"...)
	if !bytes.Equal(data, want) {
		t.Fatalf("wire:\n got %q\nwant %q", data, want)
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name  string
		msg   func() *iso8583.Message
		req   bool
		field int
	}{
		{"request without STAN", func() *iso8583.Message {
			m := iso8583.NewMessage("0200")
			m.Set(fTransmission, "0101000000")
			return m
		}, true, fSTAN},
		{"request with bad field 90", func() *iso8583.Message {
			m := iso8583.NewMessage("0420")
			m.Set(fSTAN, "000001")
			m.Set(fTransmission, "0101000000")
			m.Set(fOriginal, "12")
			return m
		}, true, fOriginal},
		{"response without 39", func() *iso8583.Message {
			m := iso8583.NewMessage("0210")
			m.Set(fSTAN, "000001")
			m.Set(fTransmission, "0101000000")
			return m
		}, false, fResponseCode},
		{"response with bad MTI", func() *iso8583.Message { return iso8583.NewMessage("02x0") }, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			if tt.req {
				_, err = DecodeRequest(tt.msg())
			} else {
				_, err = DecodeResponse(tt.msg())
			}
			if posguard.ErrorCode(err) != posguard.EINVALID {
				t.Fatalf("code %q (%v), want invalid", posguard.ErrorCode(err), err)
			}
			var fe *iso8583.FieldError
			if !errors.As(err, &fe) || fe.Field != tt.field {
				t.Fatalf("error %v does not name field %d", err, tt.field)
			}
		})
	}
}

func TestOriginal(t *testing.T) {
	o := &posguard.OriginalData{MTI: "0200", STAN: "000123", Time: "0311101530", AcquirerID: "48021000", ForwardingID: "99"}
	v, err := FormatOriginal(o)
	if err != nil {
		t.Fatal(err)
	}
	if want := "0200000123031110153000048021000" + "00000000099"; v != want {
		t.Fatalf("field 90 = %q, want %q", v, want)
	}
	back, err := ParseOriginal(v)
	if err != nil || !reflect.DeepEqual(back, o) {
		t.Fatalf("parse = %+v, %v", back, err)
	}
	bad := []*posguard.OriginalData{
		{MTI: "200", STAN: "000123", Time: "0311101530"},
		{MTI: "0200", STAN: "123", Time: "0311101530"},
		{MTI: "0200", STAN: "000123", Time: "03111015"},
		{MTI: "0200", STAN: "000123", Time: "0311101530", AcquirerID: "123456789012"},
		{MTI: "0200", STAN: "000123", Time: "0311101530", ForwardingID: "12a"},
	}
	for _, o := range bad {
		if _, err := FormatOriginal(o); posguard.ErrorCode(err) != posguard.EINVALID {
			t.Errorf("FormatOriginal(%+v) = %v, want invalid", o, err)
		}
	}
	if _, err := ParseOriginal("02000001230311101530"); posguard.ErrorCode(err) != posguard.EINVALID {
		t.Fatalf("short field 90 accepted: %v", err)
	}
}

func TestFrame(t *testing.T) {
	var buf bytes.Buffer
	for _, msg := range [][]byte{[]byte("hello"), {}, bytes.Repeat([]byte{7}, 300)} {
		if err := WriteFrame(&buf, msg); err != nil {
			t.Fatal(err)
		}
	}
	if got := buf.Bytes()[:2]; got[0] != 0 || got[1] != 5 {
		t.Fatalf("length prefix %v, want big-endian 5", got)
	}
	for _, want := range []int{5, 0, 300} {
		f, err := ReadFrame(&buf)
		if err != nil || len(f) != want {
			t.Fatalf("ReadFrame = %d bytes, %v; want %d", len(f), err, want)
		}
	}
	if _, err := ReadFrame(&buf); err != io.EOF {
		t.Fatalf("at end: %v, want EOF", err)
	}
	if _, err := ReadFrame(bytes.NewReader([]byte{0, 9, 'a'})); err != io.ErrUnexpectedEOF {
		t.Fatalf("truncated frame: %v, want unexpected EOF", err)
	}
	if err := WriteFrame(&buf, make([]byte, MaxFrame+1)); posguard.ErrorCode(err) != posguard.EINVALID {
		t.Fatalf("oversized frame: %v", err)
	}
}

func TestEncodeErrors(t *testing.T) {
	bad := sampleSale()
	bad.Amount = -1
	if _, err := EncodeRequest(bad); posguard.ErrorCode(err) != posguard.EINVALID {
		t.Fatalf("negative amount: %v", err)
	}
	bad = sampleSale()
	bad.MTI = "200"
	if _, err := EncodeRequest(bad); posguard.ErrorCode(err) != posguard.EINVALID {
		t.Fatalf("bad MTI: %v", err)
	}
	if _, err := EncodeResponse(&posguard.UpstreamResponse{MTI: "0210", Code: "0"}); posguard.ErrorCode(err) != posguard.EINVALID {
		t.Fatalf("bad code: %v", err)
	}
}
