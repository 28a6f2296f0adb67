package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
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
	return runServer(ctx, e, nil)
}

// runServer serves until ctx ends. ready, when set, runs once the server
// accepts requests (the demo seeds itself through the API); its error
// stops the server.
func runServer(ctx context.Context, e *env, ready func(ctx context.Context, base string) error) error {
	a, err := newApp(ctx, e)
	if err != nil {
		return startupError{err}
	}
	defer a.bus.Close()

	ln, err := net.Listen("tcp", e.cfg.Addr)
	if err != nil {
		return startupError{fmt.Errorf("listening on %s: %v", e.cfg.Addr, err)}
	}
	srv := &http.Server{
		Handler:           a.handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	e.logger.Info("serving", "addr", ln.Addr().String(), "database", e.src.Dialect, "graphql", "/graphql")

	// The workers stop only after the HTTP server has drained, so that
	// in-flight webhooks still get their commits.
	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	var workers sync.WaitGroup
	for _, run := range a.runners {
		workers.Go(func() {
			if err := run(workCtx); err != nil {
				e.logger.Error("background worker stopped", "err", err)
			}
		})
	}
	defer func() {
		stopWork()
		workers.Wait()
	}()

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if ready != nil {
		if err := ready(ctx, "http://"+ln.Addr().String()); err != nil {
			srv.Close()
			return err
		}
	}
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
