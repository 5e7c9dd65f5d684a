package http

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	nethttp "net/http"
	"reflect"
	"strings"
)

// bodyError describes why a JSON request body was refused in the API's own
// words: which field, and what kind of value it wants. The decoder's own
// text names Go types and struct paths, which are no business of a caller.
func bodyError(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	var me *maxBytesError
	switch {
	case errors.Is(err, io.EOF):
		return "empty; want a JSON object"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "ends before the JSON is complete"
	case errors.As(err, &se):
		return fmt.Sprintf("not valid JSON (at byte %d)", se.Offset)
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			return fmt.Sprintf("want %s, got %s", kindName(te.Type), te.Value)
		}
		return fmt.Sprintf("field %s: want %s, got %s", field, kindName(te.Type), te.Value)
	case errors.As(err, &me):
		return "too large"
	}
	if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return "unknown field " + strings.Trim(f, `"`)
	}
	return "not a valid request body"
}

// maxBytesError aliases the error of a body over its size limit.
type maxBytesError = nethttp.MaxBytesError

// kindName names a JSON value kind for a Go type.
func kindName(t reflect.Type) string {
	if t == nil {
		return "another value"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Pointer:
		return kindName(t.Elem())
	}
	return "another value"
}
