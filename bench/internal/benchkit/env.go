package benchkit

import (
	"fmt"
	"os"
	"strings"

	"github.com/intalos/integrations/internal/whatsapp/whatsapptest"
)

// EnvConfig says how a tool wants its run set up.
type EnvConfig struct {
	Tool      string // the tool's name under bench/cmd: temp folder and printed command
	DBPrefix  string // fresh database name prefix
	Dialect   string // postgres or sqlite
	AdminDSN  string // PostgreSQL server to create the fresh database on
	ServerBin string // a prebuilt server binary; empty builds one
	Instances int    // server processes on the one database; default 1
	OnRequest func(whatsapptest.LogEntry)
}

// Env is one run's world, set up the same way by every tool: a temporary
// folder, a fresh database, the Meta simulator and the server processes,
// with the first account's API key. Close tears it down.
type Env struct {
	Dir     string
	DB      *Database
	Meta    *Meta
	Servers []*Process
	Key     string

	closers []func()
}

// Setup prints the machine and the command, then builds the world.
func Setup(c EnvConfig) (env *Env, err error) {
	e := &Env{}
	defer func() {
		if err != nil {
			e.Close()
		}
	}()
	if e.Dir, err = os.MkdirTemp("", c.Tool+"-"); err != nil {
		return nil, err
	}
	e.closers = append(e.closers, func() { os.RemoveAll(e.Dir) })
	if e.DB, err = FreshDatabase(c.Dialect, c.AdminDSN, e.Dir, c.DBPrefix); err != nil {
		return nil, err
	}
	e.closers = append(e.closers, func() { e.DB.Drop() })
	fmt.Println(Machine(e.DB.Line))
	fmt.Printf("command: go run ./bench/cmd/%s %s\n", c.Tool, strings.Join(os.Args[1:], " "))

	bin := c.ServerBin
	if bin == "" {
		if bin, err = BuildServer(e.Dir); err != nil {
			return nil, err
		}
	}
	if e.Meta, err = StartMeta(c.OnRequest); err != nil {
		return nil, err
	}
	e.closers = append(e.closers, e.Meta.Close)
	cfg, err := NewServerConfig(bin, e.DB.URL, e.Meta.URL)
	if err != nil {
		return nil, err
	}
	for range max(c.Instances, 1) {
		s, err := StartServer(cfg, e.Dir)
		if err != nil {
			return nil, err
		}
		e.closers = append(e.closers, s.Stop)
		e.Servers = append(e.Servers, s)
	}
	if e.Key, err = e.Servers[0].FirstAPIKey(); err != nil {
		return nil, err
	}
	return e, nil
}

// Server is the first server process.
func (e *Env) Server() *Process { return e.Servers[0] }

// GraphQL is a client of the first server with the first account's key.
func (e *Env) GraphQL() GraphQL { return GraphQL{Base: e.Server().Base(), Key: e.Key} }

// Close stops everything Setup started, newest first.
func (e *Env) Close() {
	for i := len(e.closers) - 1; i >= 0; i-- {
		e.closers[i]()
	}
}
