package dispute_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/dispute"
)

const goodFile = dispute.HeaderRaised + "\n" +
	"CB2026030500001,C,4515,000000100042,000011,T0000001,898310048990001,622588******5678,8800,156,2026-03-01,2026-03-05T10:00:00+08:00\n" +
	"RR2026030500002,R,6301,000000100043,000012,T0000001,898310048990001,622588******5678,1200,156,2026-03-01,2026-03-05T10:00:00+08:00\r\n"

// TestReadFile: a good file reads back line by line, and rewriting it
// gives the same notices.
func TestReadFile(t *testing.T) {
	ns, err := dispute.ReadFile(strings.NewReader("\ufeff" + goodFile))
	if err != nil {
		t.Fatal(err)
	}
	if len(ns) != 2 {
		t.Fatalf("%d notices", len(ns))
	}
	cb := ns[0]
	if cb.Kind != posguard.DisputeChargeback || cb.ReasonCode != "4515" || cb.Amount != 8800 || cb.Line != 2 ||
		!cb.RaisedAt.Equal(time.Date(2026, 3, 5, 2, 0, 0, 0, time.UTC)) || ns[1].Kind != posguard.DisputeRetrieval {
		t.Errorf("notices: %+v", ns)
	}
	again, err := dispute.ReadFile(bytes.NewReader(dispute.WriteFile(ns)))
	if err != nil {
		t.Fatal(err)
	}
	for i := range ns {
		if again[i] != ns[i] {
			t.Errorf("line %d: %+v after rewriting, want %+v", i+2, again[i], ns[i])
		}
	}
}

// ruled is goodFile's first line with the ruling columns, under Header.
func ruled(decision, arbitration, at, ruling string) string {
	return dispute.Header + "\n" + strings.Split(goodFile, "\n")[1] + "," + decision + "," + arbitration + "," + at + ",\"" + ruling + "\"\n"
}

// TestReadFileRulings: the ruling columns read back (a representment lost
// then an arbitration won; a line not ruled on yet), and rewriting keeps them.
func TestReadFileRulings(t *testing.T) {
	lines := strings.Split(goodFile, "\n")
	in := dispute.Header + "\n" + lines[0+1] + ",lost,won,2026-03-20T09:30:00+08:00,\"arbitration: merchant evidence, signed slip\"\n" +
		strings.TrimSuffix(lines[2], "\r") + ",,,,\n"
	ns, err := dispute.ReadFile(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if ns[0].Decision != dispute.RulingLost || ns[0].Arbitration != dispute.RulingWon || ns[0].Ruling != "arbitration: merchant evidence, signed slip" ||
		!ns[0].DecidedAt.Equal(time.Date(2026, 3, 20, 1, 30, 0, 0, time.UTC)) || ns[1].Decision != "" || !ns[1].DecidedAt.IsZero() {
		t.Fatalf("rulings: %+v", ns)
	}
	again, err := dispute.ReadFile(bytes.NewReader(dispute.WriteFile(ns)))
	if err != nil || len(again) != 2 || again[0] != ns[0] || again[1] != ns[1] {
		t.Fatalf("rewritten: %v %+v", err, again)
	}
}

// TestReadFileRefuses: each bad line is refused naming its line and column,
// and a full card number is never echoed.
func TestReadFileRefuses(t *testing.T) {
	line := strings.Split(goodFile, "\n")[1]
	with := func(col int, v string) string {
		f := strings.Split(line, ",")
		f[col] = v
		return dispute.HeaderRaised + "\n" + strings.Join(f, ",") + "\n"
	}
	cases := map[string]string{
		"":                          "empty",
		"a,b\n":                     "line 1",
		with(1, "X"):                "line 2: kind",
		with(2, "9999"):             "line 2: reason_code: unknown",
		with(2, "6301"):             "line 2: reason_code: reason 6301 is a retrieval reason",
		with(3, "1"):                "line 2: rrn",
		with(7, "6225880012345678"): "line 2: card",
		with(8, "-5"):               "line 2: amount",
		with(8, "0088"):             "line 2: amount",
		with(10, "2026-02-30"):      "line 2: txn_date",
		with(11, "yesterday"):       "line 2: raised_at",
		goodFile + strings.Split(goodFile, "\n")[1] + "\n":                      "line 4: dispute_id CB2026030500001 repeats line 2",
		dispute.HeaderRaised + "\nCB1,C\n":                                      "line 2",
		ruled("won", "lost", "2026-03-09T10:00:00+08:00", "x"):                  "line 2: arbitration: only a chargeback whose representment was lost",
		ruled("maybe", "", "2026-03-09T10:00:00+08:00", ""):                     "line 2: decision",
		ruled("lost", "", "", ""):                                               "line 2: decided_at",
		ruled("", "", "2026-03-09T10:00:00+08:00", ""):                          "line 2: decided_at: a line not ruled on",
		ruled("lost", "", "2026-03-09T10:00:00+08:00", "card 6225880012345678"): "line 2: ruling",
		ruled("lost", "", "2026-03-09T10:00:00+08:00", " padded"):               "line 2: ruling",
		dispute.Header + "\n" + strings.Split(goodFile, "\n")[1] + "\n":         "line 2: 12 fields, want 16",
	}
	for in, want := range cases {
		_, err := dispute.ReadFile(strings.NewReader(in))
		if posguard.ErrorCode(err) != posguard.EINVALID || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want EINVALID with %q", in, err, want)
		}
		if err != nil && strings.Contains(err.Error(), "6225880012345678") {
			t.Errorf("%q: error shows the card number", in)
		}
	}
}

// FuzzReadFile: no input panics; whatever is accepted is rewritten to a
// file that reads back the same, and never holds an unmasked card number in its card column.
func FuzzReadFile(f *testing.F) {
	f.Add([]byte(goodFile))
	f.Add([]byte(dispute.Header + "\n"))
	f.Add([]byte(ruled("lost", "won", "2026-03-09T10:00:00+08:00", "merchant evidence, \"\"quoted\"\"")))
	f.Add([]byte(ruled("won", "", "2026-03-09T10:00:00Z", "")))
	f.Add([]byte(dispute.Header + "\n\"CB1\",C,4515\n"))
	f.Add([]byte("\ufeff" + dispute.HeaderRaised + "\r\nRR0000001,R,6301,000000000001,000001,T0000001,898310048990001,411111****1111,1,156,2026-01-01,2026-01-01T00:00:00Z\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ns, err := dispute.ReadFile(bytes.NewReader(b))
		if err != nil {
			if posguard.ErrorCode(err) != posguard.EINVALID {
				t.Fatalf("error code %q: %v", posguard.ErrorCode(err), err)
			}
			return
		}
		out := dispute.WriteFile(ns)
		again, err := dispute.ReadFile(bytes.NewReader(out))
		if err != nil {
			t.Fatalf("rewritten file refused: %v\n%s", err, out)
		}
		if len(again) != len(ns) {
			t.Fatalf("%d notices after rewriting, want %d", len(again), len(ns))
		}
		for i := range ns {
			if again[i] != ns[i] {
				t.Fatalf("line %d changed: %+v, want %+v", i+2, again[i], ns[i])
			}
		}
		for _, n := range again {
			if n.Card != posguard.MaskPAN(n.Card) || !strings.Contains(n.Card, "*") {
				t.Fatalf("line %d: card %q not masked", n.Line, n.Card)
			}
		}
	})
}
