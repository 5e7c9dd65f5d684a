package http_test

import (
	"encoding/json"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	api "github.com/posguard/posguard/http"
)

// TestOpenAPIMatchesRouter: every registered route is in the document, and
// every documented operation is a route the server answers (not the "no
// endpoint" 404 or a 405), with its parameters, bodies, errors and the
// bearer scheme.
func TestOpenAPIMatchesRouter(t *testing.T) {
	w := newWorld(t)
	s := &api.Server{Store: w.store, Access: w.store.Access()}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()

	res, err := srv.Client().Get(srv.URL + "/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("openapi.json without credentials: %d", res.StatusCode)
	}
	var doc struct {
		OpenAPI    string                               `json:"openapi"`
		Paths      map[string]map[string]map[string]any `json:"paths"`
		Components struct {
			SecuritySchemes map[string]map[string]any `json:"securitySchemes"`
		} `json:"components"`
	}
	if err := json.NewDecoder(res.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" || doc.Components.SecuritySchemes["bearer"]["scheme"] != "bearer" {
		t.Fatalf("document header: %s %v", doc.OpenAPI, doc.Components.SecuritySchemes)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method, o := range ops {
			documented[strings.ToUpper(method)+" "+path] = true
			if o["responses"] == nil || o["summary"] == "" {
				t.Errorf("%s %s: no responses or summary", method, path)
			}
			for _, p := range regexp.MustCompile(`\{(\w+)\}`).FindAllStringSubmatch(path, -1) {
				if !strings.Contains(mustJSON(o["parameters"]), `"name":"`+p[1]+`","required":true`) &&
					!strings.Contains(mustJSON(o["parameters"]), `"in":"path","name":"`+p[1]+`"`) {
					t.Errorf("%s %s: path parameter %s not described: %s", method, path, p[1], mustJSON(o["parameters"]))
				}
			}
		}
	}
	registered := map[string]bool{}
	for _, rt := range s.Routes() {
		registered[rt.Pattern] = true
		if !documented[rt.Pattern] {
			t.Errorf("route %s is not in the OpenAPI document", rt.Pattern)
		}
	}
	for op := range documented {
		if !registered[op] {
			t.Errorf("documented %s is not a registered route", op)
		}
		// The live router answers it (whatever the status, not "no such
		// endpoint" or "method not allowed").
		method, path, _ := strings.Cut(op, " ")
		path = regexp.MustCompile(`\{\w+\}`).ReplaceAllString(path, "1")
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, httptest.NewRequest(method, path, nil))
		if rec.Code == 405 || strings.Contains(rec.Body.String(), "no endpoint") {
			t.Errorf("documented %s: the server answers %d %s", op, rec.Code, rec.Body.String())
		}
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
