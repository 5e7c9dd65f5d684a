package terminal

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/iso8583"
)

func TestDecodeViewSale(t *testing.T) {
	v, err := DecodeView(frameOf(t, saleBody))
	if err != nil {
		t.Fatal(err)
	}
	js, err := v.JSON()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"tpdu":"6000030000","header":"603100311234","mti":"0200","fields":{` +
		`"3":"000000","4":"000000010000","11":"000002","22":"021","25":"00","26":"12",` +
		`"35":"622588******0018D****","41":"10000001","42":"898310048990001","49":"156",` +
		`"52":"***","53":"2600000000000000","60":"22000001000","64":"3141324233433444"}}`
	if string(js) != want {
		t.Errorf("JSON =\n%s\nwant\n%s", js, want)
	}
	var parsed map[string]any
	if err := json.Unmarshal(js, &parsed); err != nil {
		t.Errorf("not valid JSON: %v", err)
	}
	text := v.Text()
	for _, s := range []string{"MTI     0200", " 35  track 2", "622588******0018D****", " 52  PIN block", "***"} {
		if !strings.Contains(text, s) {
			t.Errorf("Text lacks %q:\n%s", s, text)
		}
	}
	assertNoCardData(t, string(js)+text)
}

func TestDecodeViewMasksPANAndSecrets(t *testing.T) {
	v, err := DecodeView(frameOf(t, voidBody)[2:]) // without length prefix
	if err != nil {
		t.Fatal(err)
	}
	js, _ := v.JSON()
	if !strings.Contains(string(js), `"2":"622588*****0001"`) {
		t.Errorf("PAN not masked 6+4: %s", js)
	}
	m := base("0800", "", "", "00000001003")
	m.SetBytes(fField62, []byte{1, 2, 3})
	m.SetBytes(fICC, []byte{0x9F, 0x26, 0x01, 0x00})
	m.Set(fTrack3, "996225880000000018D1561560000")
	m.Set(fPAN, "6225880000000018")
	f := frameFor(t, m)
	v, err = DecodeView(f.Append(nil))
	if err != nil {
		t.Fatal(err)
	}
	js, _ = v.JSON()
	for _, want := range []string{`"55":"***"`, `"62":"***"`, `"36":"996225********0018D****"`, `"2":"622588******0018"`} {
		if !strings.Contains(string(js), want) {
			t.Errorf("JSON lacks %s: %s", want, js)
		}
	}
	assertNoCardData(t, string(js)+v.Text())
}

func TestDecodeViewPartial(t *testing.T) {
	// Sale cut inside field 64: everything before it is shown, with the error.
	v, err := DecodeView(frameOf(t, saleBody[:len(saleBody)-4]))
	if err == nil || v == nil {
		t.Fatalf("DecodeView = %v, %v; want a view and an error", v, err)
	}
	if v.Err != "field 64: value runs past end of message" || len(v.Fields) != 13 || v.Fields[12].Num != 60 {
		t.Errorf("partial view: err %q, %d fields", v.Err, len(v.Fields))
	}
	js, _ := v.JSON()
	if !strings.HasSuffix(string(js), `,"error":"field 64: value runs past end of message"}`) {
		t.Errorf("JSON = %s", js)
	}
	if !strings.Contains(v.Text(), "error   field 64") {
		t.Errorf("Text = %s", v.Text())
	}
	// Not even a frame.
	if v, err := DecodeView([]byte{1, 2, 3}); err == nil || v != nil {
		t.Errorf("garbage: %v, %v", v, err)
	}
}

func TestParseHex(t *testing.T) {
	b, err := ParseHex(" 0x60 00:03\n00 0a ")
	if err != nil || string(b) != "\x60\x00\x03\x00\x0a" {
		t.Errorf("ParseHex = % X, %v", b, err)
	}
	if _, err := ParseHex("6G"); err == nil {
		t.Error("bad hex accepted")
	}
}

// assertNoCardData fails if s holds a full test PAN or track data.
func assertNoCardData(t *testing.T, s string) {
	t.Helper()
	for _, secret := range []string{"6225880000000018", "622588000000001", "28121011234", "0102030405060708"} {
		if strings.Contains(s, secret) {
			t.Errorf("output holds card data %q", secret)
		}
	}
}

func TestDecodeViewMasksBatchUpload(t *testing.T) {
	m := iso8583.NewMessage("0320")
	m.Set(fSTAN, "000009")
	m.Set(fTotals, UploadRecords([]posguard.UploadRecord{{CardOrg: "00", STAN: "000001", PAN: "6225880000000019", Amount: 1500}}))
	m.Set(fTID, "10000001")
	m.Set(fMID, "898310048990001")
	m.Set(fField60, "00000001201")
	body, err := CUPS.Pack(m)
	if err != nil {
		t.Fatal(err)
	}
	v, err := DecodeView(append([]byte{0x60, 0, 0, 0, 0, 0x60, 0x31, 0, 0, 0, 0}, body...))
	if err != nil {
		t.Fatal(err)
	}
	j, _ := v.JSON()
	if strings.Contains(string(j), "6225880000000019") || !strings.Contains(string(j), "622588******0019") {
		t.Fatalf("batch upload shown as %s", j)
	}
}
