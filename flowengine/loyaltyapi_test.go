package flowengine

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"testing"
)

// newLoyaltyAPI starts the loyalty program API that testdata/loyalty_api
// calls and returns a client that sends every request to it, whatever host
// the flow names.
func newLoyaltyAPI(t *testing.T) *http.Client {
	t.Helper()
	points := map[string]int{"+15550001": 250, "+15550011": 40}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /customers/{phone}", func(w http.ResponseWriter, r *http.Request) {
		phone := r.PathValue("phone")
		if phone == "+15550500" {
			http.Error(w, "database down", http.StatusInternalServerError)
			return
		}
		p, ok := points[phone]
		if !ok {
			http.NotFound(w, r)
			return
		}
		fmt.Fprintf(w, `{"customer":{"name":"Member %s","points":%d,"tier":"gold"}}`, phone[len(phone)-4:], p)
	})
	mux.HandleFunc("POST /customers", func(w http.ResponseWriter, r *http.Request) {
		var got map[string]any
		want := map[string]any{"phone": "+15550404", "email": "ned@example.com", "source": "whatsapp", "optIn": true, "tags": []any{"bot", "Ned"}}
		if err := json.NewDecoder(r.Body).Decode(&got); err != nil || !reflect.DeepEqual(got, want) || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, fmt.Sprintf("unexpected body %v", got), http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusCreated)
		fmt.Fprint(w, `{"customer":{"points":50}}`)
	})
	mux.HandleFunc("POST /customers/{phone}/redemptions", func(w http.ResponseWriter, r *http.Request) {
		var body struct{ Points int }
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || points[r.PathValue("phone")] < body.Points {
			http.Error(w, `{"error":"not enough points"}`, http.StatusConflict)
			return
		}
		fmt.Fprintf(w, `{"voucher":{"code":"SAVE10"},"balance":%d}`, points[r.PathValue("phone")]-body.Points)
	})
	mux.HandleFunc("GET /customers/{phone}/activity", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("limit") != "3" {
			http.Error(w, "limit missing", http.StatusBadRequest)
			return
		}
		fmt.Fprint(w, `{"items":[{"description":"Earned 20 points","points":20},{"description":"Redeemed 100 points","points":-100}]}`)
	})
	auth := func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer test-token" {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		mux.ServeHTTP(w, r)
	}
	srv := httptest.NewServer(http.HandlerFunc(auth))
	t.Cleanup(srv.Close)
	return redirectClient(srv)
}

// redirectClient sends every request to srv, keeping path and query.
func redirectClient(srv *httptest.Server) *http.Client {
	target, _ := url.Parse(srv.URL)
	return &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		r = r.Clone(r.Context())
		r.URL.Scheme, r.URL.Host, r.Host = target.Scheme, target.Host, ""
		return srv.Client().Transport.RoundTrip(r)
	})}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
