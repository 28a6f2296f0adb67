package graph

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"entgo.io/ent/dialect/sql"
	"github.com/99designs/gqlgen/graphql"

	"github.com/intalos/integrations/graph/model"
	"github.com/intalos/integrations/internal/secrets"
	"github.com/intalos/integrations/internal/tenant"
)

// Global ids are opaque to clients: base64url of "Type:id". The type makes
// an id of one kind useless as another, and node(id) can dispatch on it.

// globalID encodes an ent id of the given GraphQL type.
func globalID(typ string, id int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(typ + ":" + strconv.Itoa(id)))
}

// parseGlobalID decodes a global id; ok is false for anything malformed.
func parseGlobalID(gid string) (typ string, id int, ok bool) {
	raw, err := base64.RawURLEncoding.DecodeString(gid)
	if err != nil {
		return "", 0, false
	}
	typ, num, found := strings.Cut(string(raw), ":")
	if !found || typ == "" {
		return "", 0, false
	}
	id, err = strconv.Atoi(num)
	if err != nil || id <= 0 || strconv.Itoa(id) != num {
		return "", 0, false
	}
	return typ, id, true
}

// Page sizes: without first or last a connection returns defaultPageSize
// items; more than maxPageSize are refused.
const (
	defaultPageSize = 50
	maxPageSize     = 100
)

// pageArgs are a connection's Relay arguments.
type pageArgs struct {
	first, last   *int
	after, before *string
}

// sortKey is an order a connection can be sorted by: an SQL expression of
// the row's columns, with the id as tie-breaker.
type sortKey[T any] struct {
	// name goes into cursors: a cursor is only valid with its own order.
	name string
	// expr renders the expression; col qualifies a column name.
	expr func(col func(string) string) string
	// value is the row's value of the expression, kept in cursors.
	value func(T) any
	// decode turns a cursor's value back into an SQL argument.
	decode func(json.RawMessage) (any, error)
}

// columnKey orders by one column.
func columnKey[T any, V any](name, column string, value func(T) V) sortKey[T] {
	return sortKey[T]{
		name:   name,
		expr:   func(col func(string) string) string { return col(column) },
		value:  func(t T) any { return value(t) },
		decode: decodeAs[V],
	}
}

// coalesceKey orders by the first non-null of two time columns.
func coalesceKey[T any](name, column, fallback string, value func(T) time.Time) sortKey[T] {
	return sortKey[T]{
		name:   name,
		expr:   func(col func(string) string) string { return "COALESCE(" + col(column) + ", " + col(fallback) + ")" },
		value:  func(t T) any { return value(t) },
		decode: decodeAs[time.Time],
	}
}

func decodeAs[V any](raw json.RawMessage) (any, error) {
	var v V
	err := json.Unmarshal(raw, &v)
	return v, err
}

// pageQuery is one filtered ent query, adapted for paginate.
type pageQuery[T any] struct {
	table string
	count func(ctx context.Context) (int, error)
	fetch func(ctx context.Context, where, order func(*sql.Selector), limit int) ([]T, error)
	id    func(T) int
}

// page is one page of a connection.
type page[T any] struct {
	nodes   []T
	cursors []string
	info    *model.PageInfo
	total   int
}

// cursor is a position in a connection: the row's id and its order value.
type cursor struct {
	ID    int             `json:"i"`
	Order string          `json:"o"`
	Value json.RawMessage `json:"v"`
}

// cursorCodec signs cursors for the account that received them. Another
// account's cursor, or a forged one, is then NOT_FOUND, as another
// account's id is, without a query.
type cursorCodec struct{ box *secrets.Box }

const cursorPurpose = "graphql cursor"

func (c cursorCodec) mac(ctx context.Context, payload string) string {
	acct, _ := tenant.Account(ctx)
	return c.box.Fingerprint(strconv.Itoa(acct)+"\x00"+payload, cursorPurpose)[:32]
}

func (c cursorCodec) encode(ctx context.Context, cur cursor) string {
	b, _ := json.Marshal(cur) // ints, strings and raw JSON always marshal
	payload := base64.RawURLEncoding.EncodeToString(b)
	return payload + "." + c.mac(ctx, payload)
}

func (c cursorCodec) decode(ctx context.Context, field, s string) (cursor, error) {
	payload, mac, ok := strings.Cut(s, ".")
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	var cur cursor
	if !ok || err != nil || json.Unmarshal(raw, &cur) != nil || cur.ID <= 0 {
		return cursor{}, inputError(ctx, field, "is not a cursor of this API")
	}
	if mac != c.mac(ctx, payload) {
		return cursor{}, notFound(ctx, field, "cursor not found")
	}
	return cur, nil
}

// paginate runs a Relay connection over q, sorted by key (descending when
// desc), with the id as tie-breaker. It counts only when totalCount is
// selected, fetches only when edges or pageInfo are, and fetches one row
// more than asked to learn whether another page follows.
func paginate[T any](ctx context.Context, codec cursorCodec, q pageQuery[T], key sortKey[T], desc bool, args pageArgs) (*page[T], error) {
	n, backward, err := pageSize(ctx, args)
	if err != nil {
		return nil, err
	}
	var after, before *cursor
	for _, c := range []struct {
		field string
		s     *string
		dst   **cursor
	}{{"after", args.after, &after}, {"before", args.before, &before}} {
		if c.s == nil {
			continue
		}
		cur, err := codec.decode(ctx, c.field, *c.s)
		if err != nil {
			return nil, err
		}
		if cur.Order != key.name {
			return nil, inputError(ctx, c.field, "belongs to another order: paginate with the orderBy it came from")
		}
		*c.dst = &cur
	}

	p := &page[T]{info: &model.PageInfo{}}
	if graphql.FieldRequested(ctx, "totalCount") {
		if p.total, err = q.count(ctx); err != nil {
			return nil, err
		}
	}
	if n == 0 || !graphql.AnyFieldRequested(ctx, "edges", "pageInfo") {
		return p, nil
	}

	var preds []func(*sql.Selector)
	for _, b := range []struct {
		c       *cursor
		greater bool
	}{{after, !desc}, {before, desc}} {
		if b.c == nil {
			continue
		}
		pred, err := keyset(ctx, q.table, key, *b.c, b.greater)
		if err != nil {
			return nil, err
		}
		preds = append(preds, pred)
	}
	where := func(s *sql.Selector) {
		for _, p := range preds {
			p(s)
		}
	}
	// Fetching the last n means walking the order backwards.
	orderDesc := desc != backward
	order := func(s *sql.Selector) {
		dir := " ASC"
		if orderDesc {
			dir = " DESC"
		}
		s.OrderExpr(sql.Expr(key.expr(s.C)+dir), sql.Expr(s.C("id")+dir))
	}
	rows, err := q.fetch(ctx, where, order, n+1)
	if err != nil {
		return nil, err
	}
	more := len(rows) > n
	if more {
		rows = rows[:n]
	}
	if backward {
		slices.Reverse(rows)
		p.info.HasPreviousPage, p.info.HasNextPage = more, before != nil
	} else {
		p.info.HasNextPage, p.info.HasPreviousPage = more, after != nil
	}
	p.nodes = rows
	p.cursors = make([]string, len(rows))
	for i, row := range rows {
		v, err := json.Marshal(key.value(row))
		if err != nil {
			return nil, err
		}
		p.cursors[i] = codec.encode(ctx, cursor{ID: q.id(row), Order: key.name, Value: v})
	}
	if len(rows) > 0 {
		p.info.StartCursor, p.info.EndCursor = &p.cursors[0], &p.cursors[len(rows)-1]
	}
	return p, nil
}

// pageSize checks first and last and returns how many rows to return and
// whether they are the last ones.
func pageSize(ctx context.Context, args pageArgs) (n int, backward bool, err error) {
	switch {
	case args.first != nil && args.last != nil:
		return 0, false, inputError(ctx, "last", "cannot be combined with first")
	case args.first != nil:
		n = *args.first
	case args.last != nil:
		n, backward = *args.last, true
	default:
		return defaultPageSize, false, nil
	}
	field := "first"
	if backward {
		field = "last"
	}
	if n < 0 || n > maxPageSize {
		return 0, false, inputError(ctx, field, "must be between 0 and "+strconv.Itoa(maxPageSize))
	}
	return n, backward, nil
}

// keyset selects the rows after (greater) or before the cursor's row in
// the order: (expr, id) compared as a pair. The cursor row's value is read
// back by the database itself rather than sent as an argument, because a
// timestamp does not survive the round trip through Go unchanged on every
// driver (modernc's SQLite stores time.String(), monotonic clock included).
// The value in the cursor stands in only when that row is gone.
func keyset[T any](ctx context.Context, table string, key sortKey[T], c cursor, greater bool) (func(*sql.Selector), error) {
	v, err := key.decode(c.Value)
	if err != nil {
		return nil, inputError(ctx, "after", "is not a cursor of this API")
	}
	acct, _ := tenant.Account(ctx)
	op := " < "
	if greater {
		op = " > "
	}
	return func(s *sql.Selector) {
		s.Where(sql.P(func(b *sql.Builder) {
			anchorCol := func(col string) string { return b.Quote("anchor") + "." + b.Quote(col) }
			anchor := func() {
				b.WriteString("COALESCE((SELECT ").WriteString(key.expr(anchorCol)).
					WriteString(" FROM ").WriteString(b.Quote(table)).WriteString(" AS ").WriteString(b.Quote("anchor")).
					WriteString(" WHERE ").WriteString(anchorCol("id")).WriteString(" = ").Arg(c.ID).
					WriteString(" AND ").WriteString(anchorCol("account_id")).WriteString(" = ").Arg(acct).
					WriteString("), ").Arg(v).WriteString(")")
			}
			expr := key.expr(s.C)
			b.WriteString("(" + expr + op)
			anchor()
			b.WriteString(" OR (" + expr + " = ")
			anchor()
			b.WriteString(" AND " + s.C("id") + op).Arg(c.ID).WriteString("))")
		}))
	}, nil
}
