package graph

// The three gqlgen configs, in this order: the subgraphs first, then the
// combined graph, whose generated code is checked by compiling it against
// theirs. gqlgen resolves a config's paths from the working directory, so
// each runs from its config's directory (the combined graph's config is at
// the module root). ent generates before all of them: go generate visits
// ent/ before graph/.
//go:generate sh -c "cd customersgraph && go tool gqlgen generate"
//go:generate sh -c "cd ordersgraph && go tool gqlgen generate"
//go:generate sh -c "cd .. && go tool gqlgen generate"

// Then the graph's limits for the gateways, written into deploy/limits.mjs
// from the Go side (model.ListCosts, graph/server's defaults, gqlcode's codes), so that
// no one copies them by hand.
//go:generate go run ./internal/limitsgen -o ../deploy/limits.mjs
