package graph_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql/playground"

	"github.com/intalos/integrations/ent/testdb"
	"github.com/intalos/integrations/graph"
)

func TestLimits(t *testing.T) {
	db := testdb.SQLite(t)

	t.Run("depth", func(t *testing.T) {
		e := newEnv(t, db, graph.HandlerConfig{})
		_, key := e.account("Depth")
		deep := `{ integrations { edges { node { bot { versions { edges { node { bot { versions { edges { node { bot { id } } } } } } } } } } } } }`
		e.fail(key, deep, nil, "GRAPHQL_VALIDATION_FAILED", "")
		e.ok(key, `{ integrations(first: 5) { edges { node { bot { versions(first: 5) { edges { node { bot { id } } } } } } } } }`, nil)
	})
	t.Run("complexity", func(t *testing.T) {
		e := newEnv(t, db, graph.HandlerConfig{})
		_, key := e.account("Complex")
		wide := `{ integrations(first: 100) { edges { node { bot { versions(first: 100) { edges { node { id number } } } } } } } }`
		r := e.do(key, wide, nil)
		if len(r.Errors) == 0 || !strings.Contains(r.Errors[0].code(), "COMPLEXITY") {
			t.Errorf("a 100×100 query = %s, want a complexity error", r.raw)
		}
	})
	t.Run("body", func(t *testing.T) {
		e := newEnv(t, db, graph.HandlerConfig{MaxBodyBytes: 1024})
		_, key := e.account("Body")
		r := e.do(key, `{ viewer { account { id } } }`+strings.Repeat(" ", 2048), nil)
		if r.Status != http.StatusRequestEntityTooLarge || len(r.Errors) == 0 || r.Errors[0].code() != "BAD_USER_INPUT" {
			t.Errorf("oversized body = %d %s", r.Status, r.raw)
		}
		// Without Content-Length the limit holds while reading.
		req, _ := http.NewRequest(http.MethodPost, e.srv.URL, strings.NewReader(`{"query":"{ viewer { account { id } } }","x":"`+strings.Repeat("a", 4096)+`"}`))
		req.ContentLength = -1
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode < 400 {
			t.Errorf("chunked oversized body answered %d", resp.StatusCode)
		}
	})
	t.Run("rate per key", func(t *testing.T) {
		e := newEnv(t, db, graph.HandlerConfig{RateLimit: 0.001, RateBurst: 2})
		_, key := e.account("Rate")
		_, other := e.account("Rate 2")
		e.ok(key, `{ viewer { account { id } } }`, nil)
		e.ok(key, `{ viewer { account { id } } }`, nil)
		r := e.fail(key, `{ viewer { account { id } } }`, nil, "RATE_LIMITED", "")
		if r.Status != http.StatusTooManyRequests {
			t.Errorf("status = %d, want 429", r.Status)
		}
		e.ok(other, `{ viewer { account { id } } }`, nil)
	})
	t.Run("introspection", func(t *testing.T) {
		on := newEnv(t, db, graph.HandlerConfig{Introspection: true})
		off := newEnv(t, db, graph.HandlerConfig{})
		// Tooling may introspect without a key; nothing else is answered.
		d := on.ok("", introspectionQuery, nil)
		if !strings.Contains(on.bodies[len(on.bodies)-1], `"IntegrationConnection"`) || get(d, "__schema.queryType.name") != "Query" {
			t.Errorf("introspection answered %v", d)
		}
		if r := off.do("", introspectionQuery, nil); len(r.Errors) == 0 {
			t.Error("introspection is answered with introspection off")
		}
	})
	t.Run("graphiql", func(t *testing.T) {
		e := newEnv(t, db, graph.HandlerConfig{Introspection: true})
		_, key := e.account("GraphiQL")
		mux := http.NewServeMux()
		mux.Handle("GET /{$}", playground.Handler("Intalos Integrations", "/graphql"))
		mux.Handle("/graphql", graphHandler(e))
		srv := httptest.NewServer(mux)
		defer srv.Close()
		resp, err := http.Get(srv.URL + "/")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var page bytes.Buffer
		page.ReadFrom(resp.Body)
		if resp.StatusCode != http.StatusOK || !strings.Contains(page.String(), "graphiql") || !strings.Contains(page.String(), "/graphql") {
			t.Errorf("GraphiQL page: %d %.200s", resp.StatusCode, page.String())
		}
		// The page's endpoint answers its introspection and queries.
		e.srv.URL = srv.URL + "/graphql"
		e.ok("", introspectionQuery, nil)
		e.ok(key, `{ viewer { account { name } } }`, nil)
	})
}

// introspectionQuery is GraphiQL's, as it sends it on load.
const introspectionQuery = `query IntrospectionQuery {
  __schema {
    queryType { name } mutationType { name } subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } }
}`
