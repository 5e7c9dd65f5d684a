package risk

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/posguard/posguard"
)

// FuzzRules feeds arbitrary rule sets (as PUT /v1/risk/rules decodes them)
// to validation and the engine: no input panics, a set that validates
// loads, and evaluating a payment against it never panics.
func FuzzRules(f *testing.F) {
	b, _ := json.Marshal(ExampleRules())
	f.Add(b)
	f.Add([]byte(`[{"name":"n","kind":"night","action":"review","hours":"23:00-06:00"}]`))
	f.Add([]byte(`[{"name":"x","kind":"card_repeat","action":"freeze","window":"1ns","count":1,"round":1}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var rules []posguard.RiskRule
		if json.Unmarshal(data, &rules) != nil {
			return
		}
		e := NewEngine()
		err := Validate(rules)
		if lerr := e.Load(1, rules); (err == nil) != (lerr == nil) {
			t.Fatalf("Validate %v but Load %v", err, lerr)
		}
		if err != nil {
			return
		}
		at := time.Date(2026, 3, 1, 17, 0, 0, 0, time.UTC)
		for i := range 3 {
			e.Evaluate(&Payment{MerchantID: "M1", CardKey: "c", Amount: posguard.Amount(100000 * (i + 1)), At: at, Credit: i%2 == 0, PerTxnLimit: 500000, ActiveSince: at.Add(-time.Hour)})
		}
	})
}
