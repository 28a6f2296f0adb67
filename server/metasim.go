package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/intalos/integrations/internal/whatsapp/whatsapptest"
)

// runMetasim serves the simulator of Meta's Graph API for local development
// and benchmarks, printing one line per request it receives and per webhook
// it posts. Tokens and secrets are never printed.
func runMetasim(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("metasim", flag.ContinueOnError)
	fs.SetOutput(stdout)
	addr := fs.String("addr", "127.0.0.1:9090", "address to listen on")
	webhookURL := fs.String("webhook-url", "", "post sent, delivered and read statuses for every accepted send to this webhook URL")
	appSecret := fs.String("app-secret", "", "app secret signing the webhook posts (X-Hub-Signature-256); required with -webhook-url")
	statusDelay := fs.Duration("status-delay", 200*time.Millisecond, "delay before each automatic status")
	strict := fs.Bool("strict", false, "reject unknown tokens, phone number ids and apps instead of accepting any")
	wabaID := fs.String("waba-id", "", "WhatsApp Business Account id put in webhook envelopes")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *webhookURL != "" && *appSecret == "" {
		return errors.New("metasim: -app-secret is required with -webhook-url: the webhook rejects unsigned posts")
	}

	var mu sync.Mutex // handlers log concurrently
	sim := whatsapptest.New(whatsapptest.Config{
		Permissive:      !*strict,
		WABAID:          *wabaID,
		AutoStatus:      whatsapptest.Webhook{URL: *webhookURL, AppSecret: *appSecret},
		AutoStatusDelay: *statusDelay,
		MaxRecorded:     10000,
		Log: func(e whatsapptest.LogEntry) {
			mu.Lock()
			defer mu.Unlock()
			fmt.Fprintln(stdout, e.String())
		},
	})
	defer sim.Close()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("metasim: %w", err)
	}
	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}
	mu.Lock()
	fmt.Fprintf(stdout, "metasim: Meta Graph API simulator on http://%s (run the server with GRAPH_API_URL=http://%s)\n", ln.Addr(), ln.Addr())
	mu.Unlock()

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("metasim: %w", err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return fmt.Errorf("metasim: shutting down: %w", err)
	}
	return nil
}
