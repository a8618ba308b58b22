#!/usr/bin/env bash
# Fetches the playground's files from their npm packages into assets/ and
# checks them against the SRI hashes pinned in playground.go.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
npm pack --silent graphiql@4.1.2 react@18.2.0 react-dom@18.2.0 >/dev/null
for pkg in graphiql-4.1.2 react-18.2.0 react-dom-18.2.0; do
	mkdir "$pkg" && tar -xzf "$pkg.tgz" -C "$pkg"
done
cp graphiql-4.1.2/package/graphiql.min.js graphiql-4.1.2/package/graphiql.min.css \
	react-18.2.0/package/umd/react.production.min.js \
	react-dom-18.2.0/package/umd/react-dom.production.min.js "$here/assets/"
cp graphiql-4.1.2/package/LICENSE "$here/assets/LICENSE.graphiql"
cp react-18.2.0/package/LICENSE "$here/assets/LICENSE.react"
cp react-dom-18.2.0/package/LICENSE "$here/assets/LICENSE.react-dom"
cd "$here/../.." && go test -count=1 -run '^TestAssetHashes$' ./graph/playground/
