package store

import (
	"context"
	"database/sql/driver"
	"fmt"
	"net/url"
	"reflect"

	"github.com/lib/pq"
)

// postgresConnector is lib/pq with binary_parameters on: a statement with
// arguments then costs one round trip (Parse, Bind and Execute sent
// together) instead of two (lib/pq otherwise waits for the statement's
// parameter types before binding). In that mode lib/pq sends []byte
// arguments in binary format, which jsonb columns refuse, and ent passes
// JSON fields as []byte; the schema has no bytea column, so every byte
// slice is sent as text instead (textBytesConn).
func postgresConnector(dsn string) (driver.Connector, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return nil, err
	}
	q := u.Query()
	q.Set("binary_parameters", "yes")
	u.RawQuery = q.Encode()
	c, err := pq.NewConnector(u.String())
	if err != nil {
		return nil, err
	}
	return textBytesConnector{c}, nil
}

type textBytesConnector struct{ driver.Connector }

func (c textBytesConnector) Connect(ctx context.Context) (driver.Conn, error) {
	cn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	full, ok := cn.(pqConn)
	if !ok {
		cn.Close()
		return nil, fmt.Errorf("lib/pq connection %T lacks an interface database/sql uses", cn)
	}
	return textBytesConn{full}, nil
}

// pqConn is what a lib/pq connection implements and database/sql uses.
type pqConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.QueryerContext
	driver.ExecerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
	driver.NamedValueChecker
}

// textBytesConn is a lib/pq connection that passes byte slices as text.
type textBytesConn struct{ pqConn }

func (c textBytesConn) CheckNamedValue(nv *driver.NamedValue) error {
	if v := reflect.ValueOf(nv.Value); v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8 {
		if v.IsNil() {
			nv.Value = nil // NULL stays NULL
		} else {
			nv.Value = string(v.Bytes())
		}
		return nil
	}
	return c.pqConn.CheckNamedValue(nv)
}
