package clearing

import (
	"bytes"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/posguard/posguard"
)

func readBank(data []byte) ([]*BankLine, error) {
	r := NewBankReader(bytes.NewReader(data), "DF.csv")
	var out []*BankLine
	for {
		l, err := r.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, l)
	}
}

func TestBankSpecExample(t *testing.T) {
	data, err := os.ReadFile("testdata/DF20261124_PB20261124001.csv")
	if err != nil {
		t.Fatal(err)
	}
	lines, err := readBank(append([]byte("\xef\xbb\xbf"), data...))
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 3 {
		t.Fatalf("%d lines", len(lines))
	}
	if l := lines[1]; l.AccountName != "Frozen Shop, Ltd" || l.Status != BankFailed || l.Amount != 88000 || l.No != 3 || l.Reason != "账户已冻结" {
		t.Errorf("line 3 = %+v", l)
	}
	if l := lines[2]; l.Status != BankReturned || l.BankRef != "B2026112400019" {
		t.Errorf("line 4 = %+v", l)
	}
	var buf bytes.Buffer
	if err := WriteBankFile(&buf, lines); err != nil {
		t.Fatal(err)
	}
	if buf.String() != string(data) {
		t.Errorf("written:\n%s\nwant\n%s", buf.String(), data)
	}
}

func TestBadBankFiles(t *testing.T) {
	row := "PB1,PO1,6222020000000000001,Shop,100,S,B1,2026-11-24T10:02:11+08:00,"
	for want, file := range map[string]string{
		"line 1: the header":              "batch,payout\r\n" + row,
		"line 2, column amount":           BankHeader + "\n" + strings.Replace(row, ",100,", ",0100,", 1),
		"line 2, column status":           BankHeader + "\n" + strings.Replace(row, ",S,", ",X,", 1),
		"line 2, column time":             BankHeader + "\n" + strings.Replace(row, "+08:00", "", 1),
		"line 3, column payout_id":        BankHeader + "\n" + row + "\n" + row,
		"line 2: 8 columns":               BankHeader + "\n" + "a,b,c,d,1,S,e,2026-11-24T10:02:11+08:00",
		"line 1: empty file":              "",
		"line 2, column amount: \"-5\"":   BankHeader + "\n" + strings.Replace(row, ",100,", ",-5,", 1),
		"line 2, column payout_id: empty": BankHeader + "\n" + strings.Replace(row, "PO1", "", 1),
	} {
		_, err := readBank([]byte(file))
		if err == nil || !strings.Contains(err.Error(), want) || posguard.ErrorCode(err) != posguard.EINVALID {
			t.Errorf("want %q, got %v", want, err)
		}
		if err != nil && strings.Contains(err.Error(), "6222020000000000001") {
			t.Errorf("error leaks the account number: %v", err)
		}
	}
}

// FuzzBankReader: no input panics the reader, every error is EINVALID, and
// the lines it accepts write back to a file it reads the same.
func FuzzBankReader(f *testing.F) {
	data, _ := os.ReadFile("testdata/DF20261124_PB20261124001.csv")
	f.Add(data)
	f.Add([]byte(BankHeader + "\n"))
	f.Add([]byte(BankHeader + "\n\"a\"\"b\",x,1,n,0,F,,2026-01-01T00:00:00Z,r\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		lines, err := readBank(in)
		if err != nil {
			if posguard.ErrorCode(err) != posguard.EINVALID {
				t.Fatalf("code %q: %v", posguard.ErrorCode(err), err)
			}
			return
		}
		var buf bytes.Buffer
		if err := WriteBankFile(&buf, lines); err != nil {
			t.Fatal(err)
		}
		again, err := readBank(buf.Bytes())
		if err != nil || len(again) != len(lines) {
			t.Fatalf("rewritten file unreadable: %v", err)
		}
		for i := range lines {
			a, b := *again[i], *lines[i]
			a.No, b.No = 0, 0
			if !a.Time.Equal(b.Time) {
				t.Fatalf("time %v != %v", a.Time, b.Time)
			}
			a.Time = b.Time
			if a != b {
				t.Fatalf("round trip:\n%+v\n%+v", a, b)
			}
		}
	})
}
