package sqlstore

import (
	"cmp"
	"reflect"
	"testing"

	"github.com/posguard/posguard"
)

// readTxnJSON reads the answer and detail columns (text, bytes or NULL)
// into t as txnTable's scan does.
func readTxnJSON(t *posguard.Transaction, answer, detail any) error {
	f := txnTable.fields(t)
	if err := cmp.Or(f[26].(codec).Scan(answer), f[27].(codec).Scan(detail)); err != nil {
		return err
	}
	txnTable.fix(t)
	return nil
}

func TestTxnJSONRoundTrip(t *testing.T) {
	cases := []struct {
		name   string
		answer *posguard.Answer
		detail map[string]string
	}{
		{"none", nil, nil},
		{"empty detail", nil, map[string]string{}},
		{"both", &posguard.Answer{}, map[string]string{"acq": "48020000", "note": "x"}},
	}
	for _, c := range cases {
		a, err := encodeAnswer(c.answer)
		if err != nil {
			t.Fatal(err)
		}
		d, err := encodeDetail(c.detail)
		if err != nil {
			t.Fatal(err)
		}
		if (c.answer == nil) != (a == nil) || (len(c.detail) == 0) != (d == nil) {
			t.Errorf("%s: NULL columns wrong: %v, %v", c.name, a, d)
		}
		str := func(v any) string { s, _ := v.(string); return s }
		var fromText, fromBytes posguard.Transaction
		if err := readTxnJSON(&fromText, str(a), str(d)); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if err := readTxnJSON(&fromBytes, []byte(str(a)), []byte(str(d))); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		want := c.detail
		if len(want) == 0 {
			want = nil
		}
		for _, got := range []posguard.Transaction{fromText, fromBytes} {
			if !reflect.DeepEqual(got.Answer, c.answer) || !reflect.DeepEqual(got.Detail, want) {
				t.Errorf("%s: read back %+v, %v", c.name, got.Answer, got.Detail)
			}
		}
	}
	var bad posguard.Transaction
	if err := readTxnJSON(&bad, "{", ""); posguard.ErrorCode(err) != posguard.EINTERNAL {
		t.Errorf("broken answer: %v, want EINTERNAL", err)
	}
	if err := readTxnJSON(&bad, "", "[1]"); posguard.ErrorCode(err) != posguard.EINTERNAL {
		t.Errorf("broken detail: %v, want EINTERNAL", err)
	}
}

func TestCheckInsert(t *testing.T) {
	cases := []struct {
		t    *posguard.Transaction
		code string
	}{
		{nil, posguard.EINVALID},
		{&posguard.Transaction{State: posguard.StateForwarded}, posguard.EINVALID},
		{&posguard.Transaction{Type: posguard.TxnSale}, posguard.EINVALID},
		{&posguard.Transaction{Type: posguard.TxnSale, State: posguard.StateForwarded}, ""},
	}
	for i, c := range cases {
		if got := posguard.ErrorCode(checkInsert(c.t)); got != c.code {
			t.Errorf("%d: %q, want %q", i, got, c.code)
		}
	}
}

// FuzzDecodeTxnJSON checks that any column text decodes without panicking
// and that a decoded detail map encodes and decodes to itself.
func FuzzDecodeTxnJSON(f *testing.F) {
	f.Add(``, ``)
	f.Add(`{}`, `{"a":"b"}`)
	f.Add(`{"ResponseCode":"00"}`, `{}`)
	f.Add(`null`, `null`)
	f.Add(`[`, `{"a":1}`)
	f.Fuzz(func(t *testing.T, answer, detail string) {
		var x posguard.Transaction
		if err := readTxnJSON(&x, answer, detail); err != nil {
			return
		}
		d, err := encodeDetail(x.Detail)
		if err != nil {
			t.Fatal(err)
		}
		s, _ := d.(string)
		var y posguard.Transaction
		if err := readTxnJSON(&y, "", s); err != nil || !reflect.DeepEqual(x.Detail, y.Detail) {
			t.Fatalf("detail %v re-read as %v, %v", x.Detail, y.Detail, err)
		}
	})
}
