package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"entgo.io/ent/dialect"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/internal/apikey"
	"github.com/intalos/integrations/internal/tenant"
)

// accounts administers accounts: `accounts create --name N`.
func accounts(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return startupError{errors.New("usage: server accounts create --name NAME [server flags]")}
	}
	fs := flag.NewFlagSet("accounts create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	name := fs.String("name", "", "name of the new account")
	// The remaining flags are the server's (e.g. -database-url).
	var rest []string
	for i := 1; i < len(args); i++ {
		if args[i] == "--name" || args[i] == "-name" {
			if i+1 < len(args) {
				*name = args[i+1]
				i++
			}
			continue
		}
		rest = append(rest, args[i])
	}
	if *name == "" {
		return startupError{errors.New("accounts create: --name is required")}
	}
	e, err := setup(ctx, "accounts create", rest, getenv, stderr)
	if err != nil {
		return err
	}
	defer e.db.Close()
	acct, key, err := createAccount(ctx, e.db.Client, *name)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "account %q created (id %d)\nAPI key (shown once): %s\n", acct.Name, acct.ID, key)
	return nil
}

// createAccount creates an account with a first API key, in one transaction.
func createAccount(ctx context.Context, client *ent.Client, name string) (*ent.Account, string, error) {
	ctx = tenant.AsSystem(ctx)
	tx, err := client.Tx(ctx)
	if err != nil {
		return nil, "", err
	}
	acct, key, err := createAccountIn(ctx, tx, name)
	if err != nil {
		tx.Rollback()
		return nil, "", err
	}
	if err := tx.Commit(); err != nil {
		return nil, "", err
	}
	return acct.Unwrap(), key, nil
}

func createAccountIn(ctx context.Context, tx *ent.Tx, name string) (*ent.Account, string, error) {
	acct, err := tx.Account.Create().SetName(name).Save(ctx)
	if err != nil {
		return nil, "", fmt.Errorf("creating account: %w", err)
	}
	key, _, err := apikey.Create(ctx, tx.Client(), acct.ID, "default")
	if err != nil {
		return nil, "", err
	}
	return acct, key, nil
}

// firstKeyFile keeps the bootstrap key for a newcomer who missed the log line.
const firstKeyFile = "first-api-key"

// bootstrapLockKey serialises first starts on one PostgreSQL database (the
// migration's key is 7263_0001).
const bootstrapLockKey = 7263_0003

// bootstrap creates a first account when the database has none, so that a
// fresh start can be called at once. It prints the key and keeps it in a
// 0600 file in the data folder. Instances starting together on an empty
// database create one account between them: the check and the creation
// share a transaction, which holds an advisory lock on PostgreSQL and
// SQLite's write lock (IMMEDIATE transactions) otherwise.
func bootstrap(ctx context.Context, e *env, stdout io.Writer) error {
	ctx = tenant.AsSystem(ctx)
	tx, err := e.db.Client.Tx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback() // after a commit, a no-op
	if e.db.Dialect == dialect.Postgres {
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", bootstrapLockKey); err != nil {
			return fmt.Errorf("waiting for other instances' first start: %w", err)
		}
	}
	if n, err := tx.Account.Query().Count(ctx); err != nil || n > 0 {
		return err
	}
	acct, key, err := createAccountIn(ctx, tx, "Default account")
	if err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	path := filepath.Join(e.cfg.DataDir, firstKeyFile)
	if err := os.WriteFile(path, []byte(key+"\n"), 0o600); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	fmt.Fprintf(stdout, "Created account %q (id %d).\nAPI key (also in %s): %s\n", acct.Name, acct.ID, path, key)
	return nil
}
