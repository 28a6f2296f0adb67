package benchkit

import (
	"os"
	"strings"

	"github.com/intalos/integrations/internal/secrets"
)

// ServerConfig is what the server processes of one run share.
type ServerConfig struct {
	Bin         string // from BuildServer
	DatabaseURL string
	SecretKey   string // the same for every instance on one database
	GraphAPIURL string // the simulator
	LogLevel    string // default warn
	Extra       map[string]string
}

// NewServerConfig returns a configuration with a fresh secret key.
func NewServerConfig(bin, databaseURL, graphAPIURL string) (ServerConfig, error) {
	key, err := secrets.NewKey()
	if err != nil {
		return ServerConfig{}, err
	}
	return ServerConfig{Bin: bin, DatabaseURL: databaseURL, SecretKey: key, GraphAPIURL: graphAPIURL}, nil
}

// StartServer starts one server instance on a free port with its own data
// folder under dir and waits until it is healthy.
func StartServer(cfg ServerConfig, dir string) (*Process, error) {
	addr, err := FreeAddr()
	if err != nil {
		return nil, err
	}
	dataDir, err := os.MkdirTemp(dir, "data-")
	if err != nil {
		return nil, err
	}
	level := cfg.LogLevel
	if level == "" {
		level = "warn"
	}
	env := map[string]string{
		"DATABASE_URL":       cfg.DatabaseURL,
		"INTALOS_DATA_DIR":   dataDir,
		"INTALOS_SECRET_KEY": cfg.SecretKey,
		"INTALOS_ADDR":       addr,
		"INTALOS_PUBLIC_URL": "http://" + addr,
		"GRAPH_API_URL":      cfg.GraphAPIURL,
		"INTALOS_LOG_LEVEL":  level,
		"INTALOS_PLAYGROUND": "false",
	}
	for k, v := range cfg.Extra {
		env[k] = v
	}
	return Start(cfg.Bin, nil, env, addr, "/readyz")
}

// ReplaceBase moves url from one server's base to another's.
func ReplaceBase(url, from, to string) string {
	return to + strings.TrimPrefix(url, from)
}
