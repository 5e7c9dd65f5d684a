package http

import (
	"encoding/json"

	"github.com/posguard/posguard/flatjson"
)

// readFlatFields reads b, one flat JSON object, into its raw fields
// exactly as json.Unmarshal would (a key given twice: the last one); false
// for anything else. The values are parts of b (b is the request's own
// copy of its body), the keys parts of one string.
func readFlatFields(b []byte) (map[string]json.RawMessage, bool) {
	m := make(map[string]json.RawMessage, 8)
	s := flatjson.NewScanner(b)
	for s.Next() {
		m[s.KeyString()] = s.Raw()
	}
	return m, s.Done()
}
