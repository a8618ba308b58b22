// A real federation gateway (Apollo Gateway on Apollo Server) over the
// composed supergraph, on loopback, for the end-to-end check.
//
// usage: node gateway.mjs SUPERGRAPH [customers=URL] [orders=URL]
// Subgraph URLs given here replace those in the supergraph. Prints
// "listening on URL" once it serves; forwards the caller's Authorization
// header to the subgraphs.
import { readFileSync } from 'node:fs';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';

const [supergraphPath, ...overrides] = process.argv.slice(2);
if (!supergraphPath) {
  console.error('usage: node gateway.mjs SUPERGRAPH [name=URL...]');
  process.exit(2);
}
const urls = Object.fromEntries(overrides.map((o) => o.split(/=(.*)/s).slice(0, 2)));

const gateway = new ApolloGateway({
  supergraphSdl: readFileSync(supergraphPath, 'utf8'),
  buildService: ({ name, url }) =>
    new RemoteGraphQLDataSource({
      url: urls[name] ?? url,
      willSendRequest({ request, context }) {
        if (context.authorization) request.http.headers.set('authorization', context.authorization);
      },
    }),
});

// The landing page would load from a CDN; the check runs offline.
// No stack traces in answers, as in production.
const server = new ApolloServer({
  gateway,
  includeStacktraceInErrorResponses: false,
  plugins: [ApolloServerPluginLandingPageDisabled()],
});
const { url } = await startStandaloneServer(server, {
  listen: { host: '127.0.0.1', port: 0 },
  context: async ({ req }) => ({ authorization: req.headers.authorization }),
});
console.log(`listening on ${url}`);

const stop = async () => {
  await server.stop();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
