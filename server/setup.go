package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/intalos/integrations/internal/config"
	"github.com/intalos/integrations/internal/secrets"
	"github.com/intalos/integrations/internal/store"
)

// env is what every command opens: configuration, logger, sealing key and
// the database.
type env struct {
	cfg    config.Config
	logger *slog.Logger
	box    *secrets.Box
	db     *store.DB
	src    store.Source
}

// setup loads configuration and opens the data folder and the database.
// Every failure is a startupError with one line naming the problem.
func setup(ctx context.Context, name string, args []string, getenv func(string) string, stderr io.Writer) (*env, error) {
	cfg, err := config.Load(name, args, getenv, stderr)
	if err != nil {
		return nil, startupError{fmt.Errorf("configuration: %w", err)}
	}
	logger, err := newLogger(cfg, stderr)
	if err != nil {
		return nil, startupError{err}
	}
	src, err := store.ParseURL(cfg.DatabaseURL, cfg.DataDir)
	if err != nil {
		return nil, startupError{err}
	}
	if err := ensureDataDir(cfg.DataDir); err != nil {
		return nil, startupError{err}
	}
	box, err := openSecrets(cfg, logger)
	if err != nil {
		return nil, startupError{err}
	}
	db, err := store.Open(ctx, src)
	if err != nil {
		return nil, startupError{fmt.Errorf("%s database: %w", src.Dialect, err)}
	}
	return &env{cfg: cfg, logger: logger, box: box, db: db, src: src}, nil
}

// ensureDataDir creates the data folder and proves it writable now, rather
// than failing later at the first file written into it.
func ensureDataDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("data folder %s cannot be created: %v", dir, unwrapPath(err))
	}
	probe, err := os.CreateTemp(dir, ".write-check-*")
	if err != nil {
		return fmt.Errorf("data folder %s is not writable: %v", dir, unwrapPath(err))
	}
	probe.Close()
	os.Remove(probe.Name())
	return nil
}

func unwrapPath(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// openSecrets uses the configured key, or the one generated into the data
// folder on first start.
func openSecrets(cfg config.Config, logger *slog.Logger) (*secrets.Box, error) {
	var key []byte
	var err error
	if cfg.SecretKey != "" {
		if key, err = secrets.ParseKey(cfg.SecretKey); err != nil {
			return nil, fmt.Errorf("INTALOS_SECRET_KEY: %w", err)
		}
	} else {
		path := filepath.Join(cfg.DataDir, "secret.key")
		if key, err = secrets.LoadOrCreateKeyFile(path); err != nil {
			return nil, fmt.Errorf("secret key: %w", err)
		}
		if cfg.DatabaseURL != "" {
			logger.Warn("INTALOS_SECRET_KEY is not set: using the key in the data folder; every instance sharing this database needs the same key", "file", path)
		}
	}
	return secrets.New(key)
}

func newLogger(cfg config.Config, w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(strings.ToUpper(cfg.LogLevel))); err != nil {
		return nil, fmt.Errorf("INTALOS_LOG_LEVEL: want debug, info, warn or error")
	}
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return slog.New(slog.NewTextHandler(w, opts)), nil
}
