package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/intalos/integrations/graph"
	"github.com/intalos/integrations/internal/apikey"
	"github.com/intalos/integrations/internal/whatsapp"
)

// serve runs the API and webhook server until ctx is cancelled, then lets
// in-flight requests finish within the shutdown timeout.
func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	e, err := setup(ctx, "serve", args, getenv, stderr)
	if err != nil {
		return err
	}
	defer e.db.Close()
	if err := bootstrap(ctx, e, stdout); err != nil {
		return startupError{fmt.Errorf("creating the first account: %w", err)}
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	resolver := graph.NewResolver(graph.Deps{
		Client:    e.db.Client,
		Box:       e.box,
		WhatsApp:  whatsapp.NewClient(nil, e.cfg.GraphAPIURL),
		PublicURL: e.cfg.PublicURL,
		Logger:    e.logger,
	})
	gql := graph.NewHandler(resolver, apikey.NewAuthenticator(e.db.Client), graph.HandlerConfig{
		Introspection: e.cfg.Introspection,
	}, e.logger)
	handler := newServer(serverDeps{
		logger:     e.logger,
		db:         e.db,
		graphql:    gql,
		registry:   reg,
		playground: e.cfg.Playground,
	})

	ln, err := net.Listen("tcp", e.cfg.Addr)
	if err != nil {
		return startupError{fmt.Errorf("listening on %s: %v", e.cfg.Addr, err)}
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	e.logger.Info("serving", "addr", ln.Addr().String(), "database", e.src.Dialect, "graphql", "/graphql")

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	e.logger.Info("shutting down", "timeout", e.cfg.ShutdownTimeout.String())
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), e.cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}
