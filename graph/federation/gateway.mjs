// A real federation gateway (Apollo Gateway on Apollo Server) over the
// composed supergraph, on loopback, for the end-to-end check.
//
// usage: node gateway.mjs SUPERGRAPH [customers=URL] [orders=URL]
// Subgraph URLs given here replace those in the supergraph. Prints
// "listening on URL" once it serves; forwards the caller's Authorization
// header to the subgraphs. It enforces the graph's limits with the module
// the deployed gateway uses (deploy/limits.mjs).
import { readFileSync } from 'node:fs';
import * as graphql from 'graphql';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { checkDocument, checkOperation, refusal } from '../../deploy/limits.mjs';

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

// The graph's limits, once Apollo Server has validated the document and
// picked its operation: Apollo Server has no hook between parsing and
// validation that may answer. An operationName that picks none is
// refused here too, with the specification's 400, where Apollo Gateway
// would answer 500.
const limits = {
  async requestDidStart() {
    return {
      async didResolveOperation({ document, request, schema }) {
        const refused =
          checkDocument(document) ?? checkOperation(graphql, schema, document, request.operationName, request.variables);
        if (refused) throw refusal(graphql, refused);
      },
    };
  },
};

// The landing page would load from a CDN; the check runs offline.
// No stack traces in answers, as in production.
const server = new ApolloServer({
  gateway,
  includeStacktraceInErrorResponses: false,
  plugins: [ApolloServerPluginLandingPageDisabled(), limits],
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
