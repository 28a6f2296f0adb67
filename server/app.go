package main

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"entgo.io/ent/dialect"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/intalos/integrations/flowengine"
	"github.com/intalos/integrations/graph"
	"github.com/intalos/integrations/internal/alerts"
	"github.com/intalos/integrations/internal/apikey"
	"github.com/intalos/integrations/internal/eventbus"
	"github.com/intalos/integrations/internal/events"
	"github.com/intalos/integrations/internal/inbox"
	"github.com/intalos/integrations/internal/maintenance"
	"github.com/intalos/integrations/internal/outbox"
	"github.com/intalos/integrations/internal/safehttp"
	"github.com/intalos/integrations/internal/whatsapp"
	"github.com/intalos/integrations/webhook"
)

// app is the wired product: the HTTP handler and the background workers
// that share one ent client and one event bus.
type app struct {
	handler http.Handler
	bus     eventbus.Bus
	// runners run until their context ends; the webhook's must outlive the
	// HTTP server's shutdown, since in-flight POSTs wait for its commits.
	runners []func(context.Context) error
}

// newApp builds every component from the environment.
func newApp(ctx context.Context, e *env) (a *app, err error) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	bus, err := newBus(ctx, e)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			bus.Close() // its listener connection would outlive a failed start
		}
	}()
	// Every committed change a dashboard cares about is published from ent
	// hooks on the one client, whichever package wrote it; the webhook's
	// own insert of new messages goes through the same publisher.
	publisher := events.Register(e.db.Client, bus, e.logger)
	meta := whatsapp.NewClient(&http.Client{Timeout: 60 * time.Second}, e.cfg.GraphAPIURL)
	flows := flowengine.New(safehttp.NewClient(e.cfg.FlowPrivateNet), flowengine.Options{})

	sender := outbox.New(e.db.Client, meta, e.box, outbox.Options{
		Lease:  e.cfg.SendLease,
		Logger: e.logger,
	})
	processor := inbox.New(e.db.Client, flows, inbox.Options{
		Dialect:  e.db.Dialect,
		OnQueued: sender.Wake,
		Logger:   e.logger,
	})
	hooks := webhook.New(e.db.Client, e.box, webhook.Options{
		Logger:     e.logger,
		Registerer: reg,
		Wake:       processor.Wake,
		Events:     publisher,
	})

	var mailer alerts.Mailer // nil without SMTP_URL: errors are logged, not emailed
	if e.cfg.SMTPURL != "" {
		smtp, err := alerts.NewSMTPMailer(e.cfg.SMTPURL, e.cfg.AlertFrom)
		if err != nil {
			return nil, fmt.Errorf("SMTP_URL: %w", err)
		}
		mailer = smtp
	}
	alerter := alerts.New(e.db, mailer, alerts.Options{Box: e.box, Bus: bus, Logger: e.logger})
	refresher := maintenance.NewTokenRefresher(e.db, meta, e.box, maintenance.RefreshOptions{Logger: e.logger})
	sweeper := maintenance.NewExpirySweeper(e.db, maintenance.ExpiryOptions{Logger: e.logger})

	resolver := graph.NewResolver(graph.Deps{
		Client:     e.db.Client,
		Box:        e.box,
		WhatsApp:   meta,
		Flow:       flows,
		Bus:        bus,
		Registerer: reg,
		Alerts:     alerter,
		PublicURL:  e.cfg.PublicURL,
		Logger:     e.logger,
		OnIntegrationChanged: func(ctx context.Context, integrationID int) {
			hooks.Invalidate(integrationID)
		},
	})
	gqlConfig := graph.HandlerConfig{
		Introspection:  e.cfg.Introspection,
		AllowedOrigins: e.cfg.AllowedOrigins,
	}
	if err := gqlConfig.Validate(); err != nil {
		return nil, fmt.Errorf("INTALOS_ALLOWED_ORIGINS: %w", err)
	}
	gql := graph.NewHandler(resolver, apikey.NewAuthenticator(e.db.Client), gqlConfig, e.logger)
	// Other instances' integration changes reach this one's webhook cache.
	watchChanges := func(ctx context.Context) error {
		return events.WatchIntegrationChanges(ctx, bus, e.logger, hooks.Invalidate, hooks.InvalidateAll)
	}

	return &app{
		handler: newServer(serverDeps{
			logger:     e.logger,
			db:         e.db,
			graphql:    gql,
			webhook:    hooks,
			registry:   reg,
			playground: e.cfg.Playground,
		}),
		bus: bus,
		runners: []func(context.Context) error{
			hooks.Run, processor.Run, sender.Run, alerter.Run, refresher.Run, sweeper.Run, watchChanges,
		},
	}, nil
}

// newBus picks the bus that spans the instances sharing the database.
func newBus(ctx context.Context, e *env) (eventbus.Bus, error) {
	if e.db.Dialect != dialect.Postgres {
		return eventbus.NewInProcess(e.logger, 0), nil
	}
	bus, err := eventbus.NewPostgres(ctx, e.logger, eventbus.PostgresConfig{DSN: e.src.DSN, DB: e.db.SQL})
	if err != nil {
		return nil, fmt.Errorf("event bus: %w", err)
	}
	return bus, nil
}
