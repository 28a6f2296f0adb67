package graph

// gqlgen resolves the paths in gqlgen.yml against the working directory,
// so it runs from the module root. The schema is then printed whole into
// schema.graphql.
//go:generate sh -c "cd .. && go tool gqlgen generate"
//go:generate go run ./internal/printschema schema.graphql
