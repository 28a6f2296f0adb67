//go:build tools

package tools

import (
	_ "entgo.io/ent"
	_ "github.com/99designs/gqlgen/graphql"
	_ "github.com/gorilla/websocket"
	_ "github.com/hashicorp/golang-lru/v2"
	_ "github.com/lib/pq"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "github.com/vektah/gqlparser/v2"
	_ "github.com/wneessen/go-mail"
	_ "github.com/emersion/go-smtp"
	_ "golang.org/x/time/rate"
	_ "modernc.org/sqlite"
)
