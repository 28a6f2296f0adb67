// Package ent holds the data model. Everything here except schema/, testdb/,
// entc.go and this file is generated; run `go generate ./...`.
package ent

//go:generate go run -mod=mod entc.go
