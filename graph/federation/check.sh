#!/usr/bin/env bash
# The federation check, for CI and by hand:
#  1. dumps each graph's _service { sdl } in-process (TestSubgraphSDL);
#  2. composes customers + orders with Apollo's and The Guild's composers,
#     failing on any error or hint, and requires both composed API schemas
#     to equal the combined graph's (compose.mjs); writes supergraph.graphql
#     and fails if the committed one is stale;
#  3. runs the subgraphs, the combined graph and Apollo's gateway on
#     loopback and requires byte-equal answers to a fixed set of
#     cross-domain operations (TestGatewayEquality), printing
#     "N passed, N failed";
#  4. runs the gateway suite (TestGatewaySuite): 188 operations sent to the
#     combined graph of a real `b2b serve` and, over the subgraphs of two
#     more, to Hive Gateway (the version compose pins, with
#     deploy/gateway.config.mjs) and Apollo Gateway, compared on status,
#     data and error codes with their paths;
#  5. subscribes to orderEvents through Hive Gateway (as compose runs it)
#     over SSE and WebSocket as a customer, changes orders of that customer
#     and another, and requires exactly the customer's events, in order,
#     equal to the combined graph's, and the refusals the combined graph
#     gives (TestGatewaySubscriptions);
#  6. runs graphql-http's GraphQL-over-HTTP audit and graphql-js's
#     buildClientSchema against the three graphs of a real `b2b serve`
#     (TestHTTPConformance, audit.mjs).
# Needs node and npm (Node 20); npm ci needs only the registry.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

section() { printf '\n==== %s ====\n' "$*"; }

section "federation: npm ci"
(cd "$here" && npm ci --no-audit --no-fund --loglevel=error)

section "federation: subgraph SDL"
sdl="$(mktemp -d)"
trap 'rm -rf "$sdl"' EXIT
(cd "$root" && B2B_SDL_DIR="$sdl" go test -count=1 -run '^TestSubgraphSDL$' ./graph/)

section "federation: composition (Apollo and The Guild)"
(cd "$here" && node compose.mjs "$sdl" supergraph.graphql)
if git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	if ! git -C "$root" diff --quiet -- graph/federation/supergraph.graphql; then
		echo "graph/federation/supergraph.graphql is stale; commit the regenerated one:" >&2
		git -C "$root" --no-pager diff --stat -- graph/federation/supergraph.graphql >&2
		exit 1
	fi
fi

section "federation: gateway equality"
(cd "$root" && B2B_GATEWAY_CHECK=1 go test -count=1 -v -run '^TestGatewayEquality$' ./graph/)

section "federation: the gateway suite (Hive Gateway and Apollo Gateway against the combined graph)"
(cd "$root" && B2B_GATEWAY_CHECK=1 go test -count=1 -v -run '^TestGatewaySuite$' ./graph/)

section "federation: API keys through Hive Gateway"
(cd "$root" && B2B_GATEWAY_CHECK=1 go test -count=1 -v -run '^TestGatewayAPIKeys$' ./graph/)

section "federation: subscriptions through Hive Gateway (SSE and WebSocket)"
(cd "$root" && B2B_GATEWAY_CHECK=1 go test -count=1 -v -run '^TestGatewaySubscriptions$' ./graph/)

section "GraphQL over HTTP: graphql-http audit and client schemas"
(cd "$root" && B2B_AUDIT_CHECK=1 go test -count=1 -v -run '^TestHTTPConformance$' ./graph/)
