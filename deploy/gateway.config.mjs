// Hive Gateway configuration for docker-compose.yml's `gateway` service,
// mounted as /gateway/gateway.config.mjs (the image's working directory,
// where the gateway looks for it). Plain ESM, so no TypeScript loader and no
// import of the gateway package are needed.
//
// graph/federation/supergraph.graphql is written by the federation check,
// which runs the subgraphs on localhost; inside compose they are other
// containers. SUBGRAPH_URL_<NAME> (NAME as in @join__graph(name: ...),
// upper-cased) replaces a subgraph's URL, so the same supergraph serves both.

const subgraphURL = /^SUBGRAPH_URL_(.+)$/;

const transportEntries = {};
for (const [key, location] of Object.entries(process.env)) {
  const m = subgraphURL.exec(key);
  if (m && location) {
    transportEntries[m[1].toLowerCase()] = { location };
  }
}

// The subgraphs authenticate every request themselves (a user's JWT or the
// orchestrator's service token), and their logs join on the correlation id:
// both must reach them. X-Request-ID needs nothing here: the gateway passes
// on the caller's, or one it generates (its `requestId` option).
const forwarded = ['authorization', 'x-correlation-id'];

// The graph's own limits (README, "Limits"), where Hive Gateway has them:
// a document refused here never costs the subgraphs anything. The
// subgraphs keep every limit of their own behind it.
export const gatewayConfig = {
  maxTokens: 10000,
  maxDepth: 15,
  transportEntries,
  propagateHeaders: {
    fromClientToSubgraphs({ request }) {
      const headers = {};
      for (const name of forwarded) {
        const value = request.headers.get(name);
        if (value) {
          headers[name] = value;
        }
      }
      return headers;
    },
  },
};
