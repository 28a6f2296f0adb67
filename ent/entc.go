//go:build ignore

package main

import (
	"log"

	"entgo.io/ent/entc"
	"entgo.io/ent/entc/gen"
)

func main() {
	err := entc.Generate("./schema", &gen.Config{
		Features: []gen.Feature{
			gen.FeatureUpsert,    // webhook dedupe: ON CONFLICT DO NOTHING
			gen.FeatureLock,      // FOR UPDATE SKIP LOCKED claims
			gen.FeatureModifier,  // window functions and custom selects
			gen.FeatureIntercept, // tenant isolation on every query
			gen.FeatureExecQuery, // raw statements through the same client
		},
	})
	if err != nil {
		log.Fatalf("running ent codegen: %v", err)
	}
}
