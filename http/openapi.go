package http

import (
	"encoding/json"
	nethttp "net/http"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/posguard/posguard/access"
)

// op describes a route for the OpenAPI document. The document is generated
// from the route table (routes), so a route cannot be registered without
// being described, nor described without being registered; schemas come
// from the Go types the handlers encode and decode.
type op struct {
	summary string
	query   []string // query parameters as "name: description"
	body    any      // the JSON request body's type (a zero value); nil for none
	resp    any      // the JSON success answer's type; nil for no body
	status  int      // the success status; 200 when 0
	content string   // the success content type when not JSON
}

// OpenAPI returns the OpenAPI 3.1 document of the API, built from the route
// table.
func (s *Server) OpenAPI() map[string]any {
	paths := map[string]any{}
	for _, rt := range s.routes() {
		method, path, _ := strings.Cut(rt.pattern, " ")
		item, _ := paths[path].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[path] = item
		}
		item[strings.ToLower(method)] = operation(rt)
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":       "posguard API",
			"version":     "1",
			"description": "posguard's JSON API. Every route but GET /healthz, GET /v1/openapi.json and POST /v1/sessions needs Authorization: Bearer TOKEN (a token from `posguard token create` or POST /v1/sessions). Roles admitted are listed in each operation's x-roles. See docs/api.md and docs/security.md.",
		},
		"paths": paths,
		"components": map[string]any{
			"securitySchemes": map[string]any{
				"bearer": map[string]any{"type": "http", "scheme": "bearer", "description": "an API token or session token"},
			},
			"schemas": map[string]any{"Error": schemaOf(reflect.TypeOf(errorBody{}), 0)},
		},
		"security": []any{map[string]any{"bearer": []any{}}},
	}
}

// operation describes one route.
func operation(rt route) map[string]any {
	d := rt.doc
	o := map[string]any{"summary": d.summary, "operationId": operationID(rt.pattern)}
	public := slices.Contains(rt.roles, access.Public)
	if public {
		o["security"] = []any{}
	} else {
		var roles []string
		for _, r := range rt.roles {
			roles = append(roles, string(r))
		}
		o["x-roles"] = roles
	}
	var params []any
	_, path, _ := strings.Cut(rt.pattern, " ")
	for _, seg := range strings.Split(path, "/") {
		if strings.HasPrefix(seg, "{") {
			params = append(params, map[string]any{"name": strings.Trim(seg, "{}"), "in": "path", "required": true,
				"schema": map[string]any{"type": "string"}})
		}
	}
	for _, q := range d.query {
		name, desc, _ := strings.Cut(q, ":")
		params = append(params, map[string]any{"name": name, "in": "query", "description": strings.TrimSpace(desc),
			"schema": map[string]any{"type": "string"}})
	}
	if len(params) > 0 {
		o["parameters"] = params
	}
	if d.body != nil {
		o["requestBody"] = map[string]any{"required": true, "content": map[string]any{
			"application/json": map[string]any{"schema": schemaOf(reflect.TypeOf(d.body), 0)}}}
	}
	status := d.status
	if status == 0 {
		status = nethttp.StatusOK
	}
	ok := map[string]any{"description": nethttp.StatusText(status)}
	switch {
	case d.content != "":
		ok["content"] = map[string]any{d.content: map[string]any{"schema": map[string]any{"type": "string"}}}
	case d.resp != nil:
		ok["content"] = map[string]any{"application/json": map[string]any{"schema": schemaOf(reflect.TypeOf(d.resp), 0)}}
	}
	responses := map[string]any{itoaStatus(status): ok}
	errRef := map[string]any{"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Error"}}}
	add := func(st int, why string) {
		responses[itoaStatus(st)] = map[string]any{"description": why, "content": errRef}
	}
	add(400, "invalid input (the message names the parameter)")
	if !public {
		add(401, "no valid credentials")
		add(403, "the user's role may not use this route (or a missing CSRF token with a session cookie)")
	}
	add(404, "not found (also another merchant's object, for a merchant user)")
	add(500, "internal error")
	if rt.pattern == "POST /v1/sessions" {
		add(429, "too many failed logins for this name: locked for 15 minutes")
	}
	o["responses"] = responses
	return o
}

// operationID names an operation after its pattern: "GET /v1/cases/{id}" →
// "get_cases_id".
func operationID(pattern string) string {
	r := strings.NewReplacer(" /v1/", "_", " /", "_", "/", "_", "{", "", "}", "", "-", "_", ".", "_")
	return strings.ToLower(r.Replace(pattern))
}

func itoaStatus(st int) string { return itoa(int64(st)) }

var (
	timeType = reflect.TypeOf(time.Time{})
	rawType  = reflect.TypeOf(json.RawMessage{})
)

// schemaOf is the JSON Schema of the JSON encoding of t.
func schemaOf(t reflect.Type, depth int) map[string]any {
	if depth > 12 {
		return map[string]any{}
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case t == rawType:
		return map[string]any{}
	}
	switch t.Kind() {
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		return map[string]any{"type": "array", "items": schemaOf(t.Elem(), depth+1)}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": schemaOf(t.Elem(), depth+1)}
	case reflect.Struct:
		props := map[string]any{}
		var required []string
		addFields(t, props, &required, depth)
		out := map[string]any{"type": "object", "properties": props}
		if len(required) > 0 {
			out["required"] = required
		}
		return out
	}
	return map[string]any{}
}

// addFields adds the JSON fields of struct t (embedded structs flattened).
func addFields(t reflect.Type, props map[string]any, required *[]string, depth int) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				addFields(ft, props, required, depth)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		props[name] = schemaOf(f.Type, depth+1)
		if !strings.Contains(opts, "omitempty") && !strings.Contains(opts, "omitzero") {
			*required = append(*required, name)
		}
	}
}

// openAPI serves GET /v1/openapi.json.
func (s *Server) openAPI(w nethttp.ResponseWriter, r *nethttp.Request) {
	writeJSON(w, nethttp.StatusOK, s.OpenAPI())
}
