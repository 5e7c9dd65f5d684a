package simwallet

import (
	"encoding/json"
	"slices"
	"strconv"
)

// encode returns a's JSON, byte for byte what json.Marshal writes for it
// (keys sorted, the same escaping), without reflection for the answers
// the channel sends all the time: values that are strings of plain
// printable ASCII and integers. Anything else goes to json.Marshal.
func (a answer) encode() ([]byte, error) {
	if a == nil {
		return json.Marshal(a)
	}
	var keysBuf [24]string
	keys := keysBuf[:0]
	size := 2
	for k, v := range a {
		if !plainJSON(k) {
			return json.Marshal(a)
		}
		switch v := v.(type) {
		case string:
			if !plainJSON(v) {
				return json.Marshal(a)
			}
			size += len(v)
		case int64, int:
		default:
			return json.Marshal(a)
		}
		keys = append(keys, k)
		size += len(k) + 24
	}
	slices.Sort(keys)
	b := make([]byte, 0, size)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, k...)
		b = append(b, '"', ':')
		switch v := a[k].(type) {
		case string:
			b = append(b, '"')
			b = append(b, v...)
			b = append(b, '"')
		case int64:
			b = strconv.AppendInt(b, v, 10)
		case int:
			b = strconv.AppendInt(b, int64(v), 10)
		}
	}
	return append(b, '}'), nil
}

// plainJSON reports whether json.Marshal writes s between quotes as it is:
// printable ASCII without a quote, a backslash or one of the characters
// it escapes for HTML (<, >, &).
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c > 0x7e, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}
