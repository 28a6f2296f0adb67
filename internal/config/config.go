// Package config reads the server's settings from environment variables,
// each of which a command-line flag of the same meaning overrides.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Config is everything the server can be told.
type Config struct {
	Addr            string
	DataDir         string
	DatabaseURL     string
	SecretKey       string
	PublicURL       string
	GraphAPIURL     string
	AllowedOrigins  []string
	Introspection   bool
	FlowPrivateNet  bool
	Playground      bool
	LogLevel        string
	LogFormat       string
	ShutdownTimeout time.Duration
	SendLease       time.Duration
	SMTPURL         string
	AlertFrom       string
}

// Setting documents one setting; the README's table is built from this list.
type Setting struct {
	Env, Flag, Default, Usage string
}

// Settings lists every setting with its environment variable and flag.
func Settings() []Setting {
	return []Setting{
		{"INTALOS_ADDR", "addr", ":8080", "address to listen on"},
		{"INTALOS_DATA_DIR", "data-dir", "./data", "folder for the embedded database, the generated secret key and the first API key"},
		{"DATABASE_URL", "database-url", "", "postgres://… for PostgreSQL, or a SQLite file path; empty selects SQLite in the data folder"},
		{"INTALOS_SECRET_KEY", "secret-key", "", "32-byte key (base64 or hex) sealing stored credentials; empty generates one into the data folder"},
		{"INTALOS_PUBLIC_URL", "public-url", "http://localhost:8080", "base URL Meta reaches this server at, used for webhook URLs"},
		{"GRAPH_API_URL", "graph-api-url", "https://graph.facebook.com", "Meta Graph API base URL (point it at the simulator for local work)"},
		{"INTALOS_ALLOWED_ORIGINS", "allowed-origins", "", "comma-separated origins allowed to open GraphQL websockets; empty allows same-origin only"},
		{"INTALOS_INTROSPECTION", "introspection", "true", "serve GraphQL introspection"},
		{"INTALOS_FLOW_ALLOW_PRIVATE_NETWORKS", "flow-allow-private-networks", "false", "let HttpRequest components of bot flows call private and loopback addresses"},
		{"INTALOS_PLAYGROUND", "playground", "true", "serve the GraphiQL page at /"},
		{"INTALOS_LOG_LEVEL", "log-level", "info", "debug, info, warn or error"},
		{"INTALOS_LOG_FORMAT", "log-format", "text", "text or json"},
		{"INTALOS_SHUTDOWN_TIMEOUT", "shutdown-timeout", "15s", "how long in-flight requests may take to finish on shutdown"},
		{"INTALOS_SEND_LEASE", "send-lease", "1m", "how long a send to Meta may stay without outcome before it is resolved (a crash between Meta's answer and our commit)"},
		{"SMTP_URL", "smtp-url", "", "smtp://user:pass@host:587 for error alert emails; empty disables email"},
		{"INTALOS_ALERT_FROM", "alert-from", "alerts@localhost", "sender address of alert emails"},
	}
}

// Load reads the settings from getenv, then from args (flags win).
func Load(name string, args []string, getenv func(string) string, stderr io.Writer) (Config, error) {
	settings := Settings()
	values := make(map[string]*string, len(settings))
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	for _, s := range settings {
		v := getenv(s.Env)
		if v == "" {
			v = s.Default
		}
		values[s.Env] = fs.String(s.Flag, v, s.Usage+" ($"+s.Env+")")
	}
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	get := func(env string) string { return strings.TrimSpace(*values[env]) }

	cfg := Config{
		Addr:        get("INTALOS_ADDR"),
		DataDir:     get("INTALOS_DATA_DIR"),
		DatabaseURL: get("DATABASE_URL"),
		SecretKey:   get("INTALOS_SECRET_KEY"),
		PublicURL:   strings.TrimRight(get("INTALOS_PUBLIC_URL"), "/"),
		GraphAPIURL: strings.TrimRight(get("GRAPH_API_URL"), "/"),
		LogLevel:    get("INTALOS_LOG_LEVEL"),
		LogFormat:   get("INTALOS_LOG_FORMAT"),
		SMTPURL:     get("SMTP_URL"),
		AlertFrom:   get("INTALOS_ALERT_FROM"),
	}
	for _, o := range strings.Split(get("INTALOS_ALLOWED_ORIGINS"), ",") {
		if o = strings.TrimSpace(o); o != "" {
			cfg.AllowedOrigins = append(cfg.AllowedOrigins, o)
		}
	}
	var errs []error
	var err error
	if cfg.Introspection, err = strconv.ParseBool(get("INTALOS_INTROSPECTION")); err != nil {
		errs = append(errs, fmt.Errorf("INTALOS_INTROSPECTION: want true or false"))
	}
	if cfg.FlowPrivateNet, err = strconv.ParseBool(get("INTALOS_FLOW_ALLOW_PRIVATE_NETWORKS")); err != nil {
		errs = append(errs, fmt.Errorf("INTALOS_FLOW_ALLOW_PRIVATE_NETWORKS: want true or false"))
	}
	if cfg.Playground, err = strconv.ParseBool(get("INTALOS_PLAYGROUND")); err != nil {
		errs = append(errs, fmt.Errorf("INTALOS_PLAYGROUND: want true or false"))
	}
	if cfg.ShutdownTimeout, err = time.ParseDuration(get("INTALOS_SHUTDOWN_TIMEOUT")); err != nil || cfg.ShutdownTimeout < 0 {
		errs = append(errs, fmt.Errorf("INTALOS_SHUTDOWN_TIMEOUT: want a duration such as 15s"))
	}
	if cfg.SendLease, err = time.ParseDuration(get("INTALOS_SEND_LEASE")); err != nil || cfg.SendLease < 2*time.Second {
		errs = append(errs, fmt.Errorf("INTALOS_SEND_LEASE: want a duration of at least 2s"))
	}
	switch cfg.LogFormat {
	case "text", "json":
	default:
		errs = append(errs, fmt.Errorf("INTALOS_LOG_FORMAT: want text or json"))
	}
	if cfg.DataDir == "" {
		errs = append(errs, fmt.Errorf("INTALOS_DATA_DIR: must not be empty"))
	}
	return cfg, errors.Join(errs...)
}
