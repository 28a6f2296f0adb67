package flowengine

import (
	"net/http"
	"time"
)

// HTTPDoer sends the requests of HttpRequest components; *http.Client is one.
// The caller decides on proxies and which addresses may be reached.
type HTTPDoer interface {
	Do(*http.Request) (*http.Response, error)
}

// Options tunes an Engine; zero fields take the defaults.
type Options struct {
	// MaxSteps caps the components run in one step (default 100), so that
	// no definition can spin.
	MaxSteps int
	// MaxRetries is how often a question re-asks when its node does not say
	// (default 3).
	MaxRetries int
	// HTTPTimeout is an HttpRequest's timeout when its node does not say
	// (default 10s); a node can ask for up to 30s.
	HTTPTimeout time.Duration
	// MaxResponseBytes caps how much of an HTTP response is read (default 1 MiB).
	MaxResponseBytes int64
}

// Engine runs flows. It holds no conversation data and is safe for
// concurrent use.
type Engine struct {
	http HTTPDoer
	opts Options
}

// New returns an Engine that sends HttpRequest calls through client. A nil
// client makes every HttpRequest fail (and follow its error edge).
func New(client HTTPDoer, opts Options) *Engine {
	if opts.MaxSteps <= 0 {
		opts.MaxSteps = 100
	}
	if opts.MaxRetries <= 0 {
		opts.MaxRetries = 3
	}
	if opts.HTTPTimeout <= 0 {
		opts.HTTPTimeout = 10 * time.Second
	}
	if opts.MaxResponseBytes <= 0 {
		opts.MaxResponseBytes = 1 << 20
	}
	return &Engine{http: client, opts: opts}
}
