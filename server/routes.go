package main

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql/playground"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/intalos/integrations/internal/store"
	"github.com/intalos/integrations/webhook"
)

// serverDeps is everything the HTTP routes use.
type serverDeps struct {
	logger     *slog.Logger
	db         *store.DB
	graphql    http.Handler
	webhook    *webhook.Handler
	registry   *prometheus.Registry
	playground bool
}

// newServer lists every route.
func newServer(d serverDeps) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/graphql", d.graphql)
	d.webhook.Register(mux) // GET and POST /webhooks/whatsapp/{key}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", readyz(d.db))
	mux.Handle("GET /metrics", promhttp.HandlerFor(d.registry, promhttp.HandlerOpts{Registry: d.registry}))
	if d.playground {
		mux.Handle("GET /{$}", playground.Handler("Intalos Integrations", "/graphql"))
	}
	return instrument(d.registry, mux)
}

// readyz answers 200 while the database answers.
func readyz(db *store.DB) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := db.SQL.PingContext(ctx); err != nil {
			http.Error(w, "database unreachable", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ok\n"))
	}
}
