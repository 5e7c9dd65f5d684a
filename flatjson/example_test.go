package flatjson_test

import (
	"encoding/json"
	"fmt"

	"github.com/posguard/posguard/flatjson"
)

type answer struct {
	Code   string `json:"code"`
	Amount int64  `json:"amount"`
}

// decode reads b into a without reflection when it can, and with
// encoding/json, the rule, when it cannot.
func decode(b []byte, a *answer) error {
	v := *a
	s := flatjson.NewScanner(b)
	for s.Next() {
		ok := true
		switch string(s.Key()) {
		case "code":
			v.Code, ok = s.String()
		case "amount":
			v.Amount, ok = s.Int64()
		} // other keys are skipped, as encoding/json skips them
		if !ok {
			break
		}
	}
	if s.Done() {
		*a = v
		return nil
	}
	return json.Unmarshal(b, a)
}

func ExampleScanner() {
	for _, body := range []string{
		`{"code":"SUCCESS","amount":1234,"note":null}`,
		`{"code":"SUCCESS","amount":"1234"}`, // encoding/json decides: a string for a number
		`{"CODE":"FAIL"}`,                    // encoding/json decides: matched case-insensitively
	} {
		var a answer
		err := decode([]byte(body), &a)
		fmt.Printf("%+v refused: %v\n", a, err != nil)
	}
	// Output:
	// {Code:SUCCESS Amount:1234} refused: false
	// {Code:SUCCESS Amount:0} refused: true
	// {Code:FAIL Amount:0} refused: false
}
