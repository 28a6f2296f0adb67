// Command server is the one binary of Intalos Integrations: the API and
// webhook server (the default), account administration, and the local
// simulator of Meta's Graph API.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "intalos:", err)
		os.Exit(exitCode(err))
	}
}

// startupError marks problems that stop the server before it serves: a bad
// command line or configuration, an unreachable database, an unwritable
// data folder.
type startupError struct{ error }

func (e startupError) Unwrap() error { return e.error }

// exitCode is 2 for startup problems, so that scripts can tell them from a
// failure while serving (1).
func exitCode(err error) int {
	var se startupError
	if errors.As(err, &se) {
		return 2
	}
	return 1
}

const usage = `usage: server [command] [flags]

commands:
  serve                       run the API and webhook server (default)
  accounts create --name N    create an account and print its first API key
  metasim [-addr host:port]   serve the local simulator of Meta's Graph API
  demo                        run the server with the simulator, an example bot and an active integration
`

// run dispatches to a subcommand; the OS is passed in so tests can call it.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, args, getenv, stdout, stderr)
	case "accounts":
		return accounts(ctx, args, getenv, stdout, stderr)
	case "metasim":
		return runMetasim(ctx, args, stdout)
	case "demo":
		return demo(ctx, args, getenv, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		return startupError{fmt.Errorf("unknown command %q\n%s", cmd, usage)}
	}
}
