package terminal

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/iso8583"
)

func TestDecodeHandBuiltFrames(t *testing.T) {
	t.Run("sign-on", func(t *testing.T) {
		req, _, err := DecodeRequest(parseBody(t, signOnBody))
		if err != nil {
			t.Fatal(err)
		}
		want := posguard.TerminalRequest{MTI: "0800", Type: posguard.TxnSignOn, TerminalID: "10000001",
			MerchantID: "898310048990001", STAN: "000001", Batch: "000001", NetMgmt: "003", Field60: "00000001003", Operator: "001"}
		if req.MTI != want.MTI || req.Type != want.Type || req.TerminalID != want.TerminalID || req.MerchantID != want.MerchantID ||
			req.STAN != want.STAN || req.Batch != want.Batch || req.NetMgmt != want.NetMgmt || req.Field60 != want.Field60 || req.Operator != want.Operator {
			t.Errorf("got %+v", req)
		}
		if req.HasMAC || req.MACData != nil {
			t.Error("sign-on without 64 reported a MAC")
		}
	})
	t.Run("sale with track 2 and PIN", func(t *testing.T) {
		f := parseBody(t, saleBody)
		req, m, err := DecodeRequest(f)
		if err != nil {
			t.Fatal(err)
		}
		if req.Type != posguard.TxnSale || req.Amount != 10000 || !req.HasAmount || req.ProcCode != "000000" || req.Currency != "156" {
			t.Errorf("sale = %+v", req)
		}
		if req.PAN.Reveal() != "6225880000000018" || req.Expiry != "2812" || req.Track2 != "6225880000000018D28121011234" {
			t.Errorf("card data from track 2: PAN %s expiry %q", req.PAN, req.Expiry)
		}
		if req.EntryMode != "021" || req.CondCode != "00" || req.PINCapture != "12" || req.SecControl != "2600000000000000" {
			t.Errorf("entry %q cond %q pin capture %q sec %q", req.EntryMode, req.CondCode, req.PINCapture, req.SecControl)
		}
		if !bytes.Equal(req.PINBlock, []byte{1, 2, 3, 4, 5, 6, 7, 8}) || !bytes.Equal(req.MAC, []byte("1A2B3C4D")) || !req.HasMAC {
			t.Errorf("PIN block % X MAC %q", req.PINBlock, req.MAC)
		}
		if req.Batch != "000001" || req.NetMgmt != "000" {
			t.Errorf("batch %q net %q", req.Batch, req.NetMgmt)
		}
		// MACData: MTI through the byte before 64.
		if want := f.Body[:len(f.Body)-8]; !bytes.Equal(req.MACData, want) {
			t.Errorf("MACData = % X", req.MACData)
		}
		// Copies: reusing the frame buffer does not change the request.
		f.Body[0] = 0xFF
		if req.MACData[0] != 0x02 || m.MTI != "0200" {
			t.Error("request shares memory with the frame")
		}
	})
	t.Run("void with odd PAN padded F", func(t *testing.T) {
		req, _, err := DecodeRequest(parseBody(t, voidBody))
		if err != nil {
			t.Fatal(err)
		}
		if req.Type != posguard.TxnVoid || req.PAN.Reveal() != "622588000000001" || req.Expiry != "2812" {
			t.Errorf("void = %s %+v", req.PAN, req)
		}
		if req.RRN != "000000000001" || req.AuthCode != "123456" || req.OrigBatch != "000001" || req.OrigSTAN != "000002" || req.OrigDate != "1123" {
			t.Errorf("original data: %q %q %q %q %q", req.RRN, req.AuthCode, req.OrigBatch, req.OrigSTAN, req.OrigDate)
		}
	})
	t.Run("settlement with field 48", func(t *testing.T) {
		req, _, err := DecodeRequest(parseBody(t, settleBody))
		if err != nil {
			t.Fatal(err)
		}
		if req.Type != posguard.TxnSettlement || req.NetMgmt != "201" || req.HasMAC {
			t.Errorf("settle = %+v", req)
		}
		st, err := ParseField48(req.Totals)
		if err != nil || st.Totals.DomesticDebitAmount != 10000 || st.Totals.DomesticDebitCount != 1 || st.DomesticResult != '0' {
			t.Errorf("totals %+v, %v", st, err)
		}
	})
}

// base returns a message with the fields every request of type typ needs.
func base(mti, proc, cond, f60 string) *iso8583.Message {
	m := iso8583.NewMessage(mti)
	m.Set(fSTAN, "000010")
	m.Set(fTID, "10000001")
	m.Set(fMID, "898310048990001")
	m.Set(fField60, f60)
	if proc != "" {
		m.Set(fProcCode, proc)
		m.Set(fAmount, "000000000500")
		m.Set(fEntryMode, "051")
		m.Set(fCondCode, cond)
		m.Set(fCurrency, "156")
		m.Set(fPAN, "6225880000000018")
		m.Set(fRRN, "000000000009")
		m.Set(fAuthCode, "654321")
		m.Set(fField61, "0000010000091123")
		m.SetBytes(fMAC, []byte("00000000"))
	}
	return m
}

func frameFor(t *testing.T, m *iso8583.Message) *Frame {
	t.Helper()
	body, err := CUPS.Pack(m)
	if err != nil {
		t.Fatalf("Pack: %v", err)
	}
	return &Frame{TPDU: [5]byte{0x60}, Body: body}
}

func TestDecodeRequestTypes(t *testing.T) {
	tests := []struct {
		mti, proc, cond, f60 string
		extra                map[int]string
		want                 posguard.TxnType
	}{
		{"0800", "", "", "00000001001", nil, posguard.TxnSignOn},
		{"0800", "", "", "00000001003", nil, posguard.TxnSignOn},
		{"0800", "", "", "00000001004", nil, posguard.TxnSignOn},
		{"0820", "", "", "00000001002", nil, posguard.TxnSignOff},
		{"0820", "", "", "00000001301", nil, posguard.TxnEcho},
		{"0200", "310000", "00", "01000001000", nil, posguard.TxnInquiry},
		{"0200", "000000", "00", "22000001000", nil, posguard.TxnSale},
		{"0200", "000000", "00", "22000001", nil, posguard.TxnSale}, // 60.3 absent
		{"0200", "000000", "00", "22000001000500", nil, posguard.TxnSale},
		{"0200", "200000", "00", "23000001000", nil, posguard.TxnVoid},
		{"0220", "200000", "00", "25000001000", nil, posguard.TxnRefund},
		{"0100", "030000", "06", "10000001000", nil, posguard.TxnPreAuth},
		{"0100", "200000", "06", "11000001000", nil, posguard.TxnPreAuthCancel},
		{"0200", "000000", "06", "20000001000", nil, posguard.TxnCompletion},
		{"0200", "200000", "06", "21000001000", nil, posguard.TxnCompletionVoid},
		{"0400", "000000", "00", "22000001000", map[int]string{fRespCode: "98"}, posguard.TxnReversal},
		{"0400", "030000", "06", "10000001000", map[int]string{fRespCode: "A0"}, posguard.TxnReversal},
		{"0500", "", "", "00000001201", map[int]string{fTotals: strings.Repeat("0", 62), fCurrency: "156"}, posguard.TxnSettlement},
		{"0320", "", "", "00000001201", nil, posguard.TxnBatchUpload},
		{"0320", "", "", "00000001202", nil, posguard.TxnBatchUpload},
		{"0320", "", "", "00000001209", nil, posguard.TxnBatchUpload},
	}
	for _, tc := range tests {
		t.Run(string(tc.want)+"_"+tc.mti+"_"+tc.f60, func(t *testing.T) {
			m := base(tc.mti, tc.proc, tc.cond, tc.f60)
			for n, v := range tc.extra {
				m.Set(n, v)
			}
			req, _, err := DecodeRequest(frameFor(t, m))
			if err != nil {
				t.Fatalf("DecodeRequest: %v", err)
			}
			if req.Type != tc.want {
				t.Errorf("Type = %s, want %s", req.Type, tc.want)
			}
			if req.ContentHash == "" || len(req.ContentHash) != 64 {
				t.Errorf("ContentHash = %q", req.ContentHash)
			}
			// A reversal names what it reverses; nothing else does.
			wantReverses := posguard.TxnType("")
			if tc.want == posguard.TxnReversal {
				wantReverses = posguard.TxnSale
				if tc.f60[:2] == "10" {
					wantReverses = posguard.TxnPreAuth
				}
			}
			if req.Reverses != wantReverses {
				t.Errorf("Reverses = %q, want %q", req.Reverses, wantReverses)
			}
		})
	}
}

func TestDecodeRequestFormatErrors(t *testing.T) {
	tests := []struct {
		name       string
		body       []byte
		msg        func() *iso8583.Message // used when body is nil
		field      int
		reason     string
		answerable bool
	}{
		{name: "bad BCD digit in 3", body: unhex(t, strings.Replace(saleBody, "302004C020C09811"+"000000", "302004C020C09811"+"00A000", 1)),
			field: 3, reason: "bad BCD digit 0xA", answerable: true},
		{name: "field past end", body: unhex(t, saleBody[:len(saleBody)-4]), field: 64, reason: "runs past end", answerable: true},
		{name: "track over max", body: unhex(t, strings.Replace(saleBody, "28"+"6225880000000018D28121011234", "38"+"6225880000000018D28121011234", 1)),
			field: 35, reason: "over max 37"},
		{name: "missing mandatory 4 in a sale", msg: func() *iso8583.Message {
			m := base("0200", "000000", "00", "22000001000")
			m.Unset(fAmount)
			return m
		}, field: 4, reason: "missing", answerable: true},
		{name: "missing 61 in a void", msg: func() *iso8583.Message {
			m := base("0200", "200000", "00", "23000001000")
			m.Unset(fField61)
			return m
		}, field: 61, reason: "missing", answerable: true},
		{name: "missing card data", msg: func() *iso8583.Message {
			m := base("0200", "000000", "00", "22000001000")
			m.Unset(fPAN)
			m.Set(fTrack2, "ABCDEF0123456789D2812") // encrypted: no readable PAN
			return m
		}, field: 2, reason: "no PAN", answerable: true},
		{name: "unknown combination", msg: func() *iso8583.Message {
			return base("0200", "000000", "00", "99000001000")
		}, field: 60, reason: "no transaction for MTI 0200", answerable: true},
		{name: "sign-on with bad key scheme", msg: func() *iso8583.Message {
			return base("0800", "", "", "00000001005")
		}, field: 60, reason: "60.3 005", answerable: true},
		{name: "60.2 cut short", msg: func() *iso8583.Message {
			return base("0800", "", "", "0000001")
		}, field: 60, reason: "field 60.2", answerable: true},
		{name: "61.3 cut short", msg: func() *iso8583.Message {
			m := base("0200", "200000", "00", "23000001000")
			m.Set(fField61, "00000100000911")
			return m
		}, field: 61, reason: "field 61.3", answerable: true},
		{name: "bad 48", msg: func() *iso8583.Message {
			m := base("0500", "", "", "00000001201")
			m.Set(fTotals, "123")
			m.Set(fCurrency, "156")
			return m
		}, field: 48, reason: "length 3", answerable: true},
		{name: "response MTI is not answerable", msg: func() *iso8583.Message {
			return base("0210", "000000", "00", "22000001000")
		}, field: 60, reason: "no transaction", answerable: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := &Frame{TPDU: [5]byte{0x60}, Body: tc.body}
			if tc.body == nil {
				f = frameFor(t, tc.msg())
			}
			req, _, err := DecodeRequest(f)
			if req != nil {
				t.Fatalf("request returned with a format error: %+v", req)
			}
			fe, ok := IsFormatError(err)
			if !ok {
				t.Fatalf("err = %v, want *FormatError", err)
			}
			if posguard.ErrorCode(err) != posguard.EINVALID {
				t.Errorf("code = %q, want invalid", posguard.ErrorCode(err))
			}
			var field *iso8583.FieldError
			if !errors.As(err, &field) || field.Field != tc.field || !strings.Contains(err.Error(), tc.reason) {
				t.Errorf("err = %v, want field %d with %q", err, tc.field, tc.reason)
			}
			if fe.Answerable() != tc.answerable {
				t.Errorf("Answerable = %v, want %v (%+v)", fe.Answerable(), tc.answerable, fe)
			}
			if strings.Contains(err.Error(), "6225880000000018") {
				t.Error("error text holds the PAN")
			}
		})
	}
}

func TestDecodeRequestMissingMAC(t *testing.T) {
	m := base("0200", "000000", "00", "22000001000")
	m.Unset(fMAC)
	req, _, err := DecodeRequest(frameFor(t, m))
	if err != nil {
		t.Fatalf("missing 64 is not a format error: %v", err)
	}
	if req.HasMAC || req.MAC != nil || req.MACData != nil {
		t.Errorf("HasMAC %v MAC %q", req.HasMAC, req.MAC)
	}
}

func TestFormatErrorPartialData(t *testing.T) {
	// A bad BCD digit in 60, after 11, 41 and 42: all three are known.
	m := base("0200", "000000", "00", "22000001000")
	body, err := CUPS.Pack(m)
	if err != nil {
		t.Fatal(err)
	}
	s60, _, _ := mustSpan(t, body, fField60)
	body[s60+2] = 0xAB
	_, _, err = DecodeRequest(&Frame{Body: body})
	fe, ok := IsFormatError(err)
	if !ok {
		t.Fatalf("err = %v", err)
	}
	if fe.MTI != "0200" || fe.STAN != "000010" || fe.TerminalID != "10000001" || fe.MerchantID != "898310048990001" || !fe.Answerable() {
		t.Errorf("partial = %+v", fe)
	}
	ans := BuildFormatError(fe)
	if ans == nil || ans.MTI != "0210" || ans.Get(fRespCode) != "30" || ans.Get(fSTAN) != "000010" ||
		ans.Get(fTID) != "10000001" || ans.Get(fMID) != "898310048990001" {
		t.Fatalf("30 answer = %+v", ans)
	}
	if got := ans.Fields(); len(got) != 4 {
		t.Errorf("30 answer fields = %v, want 11 39 41 42", got)
	}
	if _, err := CUPS.Pack(ans); err != nil {
		t.Errorf("30 answer does not pack: %v", err)
	}

	// A bad BCD digit in 3, a fixed-length field before 11 and 41: the
	// fields after it can still be located, so the 30 names the request.
	_, _, err = DecodeRequest(&Frame{Body: unhex(t, strings.Replace(saleBody, "302004C020C09811"+"000000", "302004C020C09811"+"00A000", 1))})
	fe, _ = IsFormatError(err)
	if fe == nil || fe.MTI != "0200" || !fe.Answerable() || fe.STAN != "000002" || fe.TerminalID == "" || BuildFormatError(fe) == nil {
		t.Errorf("bad digit in 3 = %+v", fe)
	}
	// A length prefix over the maximum before 11: the rest cannot be located.
	_, _, err = DecodeRequest(&Frame{Body: unhex(t, strings.Replace(saleBody, "302004C020C09811"+"000000", "302004C020C09811"+"000000", 1)[:24])})
	if fe, _ = IsFormatError(err); fe == nil || fe.Answerable() || BuildFormatError(fe) != nil {
		t.Errorf("truncated before 11 = %+v", fe)
	}
	// Unreadable MTI.
	_, _, err = DecodeRequest(&Frame{Body: []byte{0x0A}})
	if fe, _ = IsFormatError(err); fe == nil || fe.MTI != "" || fe.Answerable() {
		t.Errorf("unreadable MTI = %+v", fe)
	}
}

func mustSpan(t *testing.T, body []byte, n int) (int, int, bool) {
	t.Helper()
	m, err := CUPS.Unpack(body)
	if err != nil {
		t.Fatal(err)
	}
	s, e, ok := m.Span(n)
	if !ok {
		t.Fatalf("no span for %d", n)
	}
	return s, e, ok
}

func TestContentHash(t *testing.T) {
	a := base("0200", "000000", "00", "22000001000")
	b := a.Clone()
	b.Set(fLocalTime, "101010")
	b.Set(fLocalDate, "1123")
	b.SetBytes(fMAC, []byte("FFFFFFFF"))
	if ContentHash(a) != ContentHash(b) {
		t.Error("12, 13 or 64 changed the content hash")
	}
	c := a.Clone()
	c.Set(fAmount, "000000000501")
	if ContentHash(a) == ContentHash(c) {
		t.Error("amount change kept the content hash")
	}
	d := a.Clone()
	d.MTI = "0400"
	if ContentHash(a) == ContentHash(d) {
		t.Error("MTI change kept the content hash")
	}
	// Moving bytes between adjacent fields changes the hash.
	e := iso8583.NewMessage("0200")
	e.Set(41, "AB")
	e.Set(42, "C")
	g := iso8583.NewMessage("0200")
	g.Set(41, "A")
	g.Set(42, "BC")
	if ContentHash(e) == ContentHash(g) {
		t.Error("field boundaries are not part of the hash")
	}
}
