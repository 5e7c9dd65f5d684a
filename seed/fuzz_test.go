package seed

import (
	"errors"
	"os"
	"testing"

	posguard "github.com/posguard/posguard"
)

// FuzzParse checks that no input makes Parse panic, that it returns either a
// World or ParseErrors (never both, never neither), and that a problem report
// never holds a clear run of 12 or more digits (a possible PAN).
func FuzzParse(f *testing.F) {
	f.Add([]byte(small))
	f.Add([]byte(`{"merchants": [{"id": "898310048990001"}], "cards": [{"pan": "6225880000000019"}]}`))
	f.Add([]byte("a: &x [*x]\n"))
	f.Add([]byte("merchants:\n  - {id: 1, name: [], mcc: {}, status: ~}\n"))
	f.Add([]byte("cards:\n  - pan: 6225880000000018\n    pin: 12\n"))
	f.Add([]byte("---\n...\n---\n"))
	f.Add([]byte("*6225880000000018"))              // the YAML library quotes the unknown anchor
	f.Add([]byte(`{"merchants":[{000000000000}]}`)) // an unknown key made of digits
	f.Add([]byte("fee_plans:\n  - name: x\n    rates: {credit: 999%, debit: .%, qr: 1.23456%}\n"))
	if demo, err := os.ReadFile("demo-world.yaml"); err == nil {
		f.Add(demo)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		w, err := Parse(data, "fuzz.yaml")
		if (w == nil) == (err == nil) {
			t.Fatalf("Parse returned world %v and error %v", w != nil, err)
		}
		if err == nil {
			return
		}
		var list ParseErrors
		if !errors.As(err, &list) || len(list) == 0 {
			t.Fatalf("error %T is not a non-empty ParseErrors", err)
		}
		if len(list) > maxErrors+1 {
			t.Fatalf("%d problems listed, want at most %d", len(list), maxErrors+1)
		}
		if run := digitRun.FindString(err.Error()); run != "" {
			t.Fatalf("problem report holds a clear run of digits %s: %v", posguard.MaskPAN(run), err)
		}
	})
}
