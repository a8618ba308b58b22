// Hive Gateway configuration for docker-compose.yml's `gateway` service,
// mounted as /gateway/gateway.config.mjs (the image's working directory,
// where the gateway looks for it), beside limits.mjs. Plain ESM, so no
// TypeScript loader is needed; `graphql` is the image's own, the one the
// gateway's errors are instances of.
//
// graph/federation/supergraph.graphql is written by the federation check,
// which runs the subgraphs on localhost; inside compose they are other
// containers. SUBGRAPH_URL_<NAME> (NAME as in @join__graph(name: ...),
// upper-cased) replaces a subgraph's URL, so the same supergraph serves both.

import * as graphql from 'graphql';
import { codes, defaults, forwardedHeaders, statuses, useGraphLimits } from './limits.mjs';

const subgraphURL = /^SUBGRAPH_URL_(.+)$/;

// Subscriptions reach a subgraph as GraphQL over SSE (POST with Accept:
// text/event-stream), one request per subscription, over the same HTTP
// transport as queries, so the headers below reach it as they reach a
// query. The HTTP executor's default method for a subscription is GET,
// which the subgraphs' SSE transport (gqlgen's) does not serve: POST.
// Clients subscribe to the gateway's /graphql over SSE or WebSocket
// (graphql-transport-ws), whichever they like.
const transportEntries = {
  '*.http': { options: { subscriptions: { kind: 'http', options: { method: 'POST' } } } },
};
for (const [key, location] of Object.entries(process.env)) {
  const m = subgraphURL.exec(key);
  if (m && location) {
    transportEntries[m[1].toLowerCase()] = { location };
  }
}

// The subgraphs authenticate every request themselves (a user's JWT, an API
// key, the orchestrator's service token), and their logs join on the
// correlation id: all must reach them (forwardedHeaders, generated from Go).
// X-Request-ID needs nothing here: the gateway passes on the caller's, or
// one it generates (its `requestId` option).
const forwarded = forwardedHeaders;

// A WebSocket client (a browser's graphql-ws) cannot set headers: it sends
// its token in connection_init's payload, as the graph's own WebSocket
// transport reads it, { Authorization: "Bearer …" }. The gateway keeps
// that payload as context.connectionParams; its token goes on as the
// subscription's Authorization header, so the subgraph decides who is
// subscribing exactly as for a direct caller.
const fromConnectionParams = (params, name) => {
  if (!params || typeof params !== 'object') return undefined;
  for (const [key, value] of Object.entries(params)) {
    if (key.toLowerCase() === name && typeof value === 'string' && value) return value;
  }
  return undefined;
};

// Hive Gateway coerces variables in its planner and gives the errors no
// code; coerced here first, an invalid or missing variable is answered
// 400 BAD_USER_INPUT, as by every graph of b2b serve.
const variableErrors = ({ args, setResultAndStopExecution }) => {
  const op = graphql.getOperationAST(args.document, args.operationName);
  if (!op?.variableDefinitions?.length) return;
  const { errors } = graphql.getVariableValues(args.schema, op.variableDefinitions, args.variableValues ?? {}, { maxErrors: 20 });
  if (errors) {
    setResultAndStopExecution({
      errors: errors.map((e) => new graphql.GraphQLError(e.message, { nodes: e.nodes, extensions: { code: codes.variables, http: { status: statuses[codes.variables] } } })),
    });
  }
};
const useVariableCodes = () => ({ onExecute: variableErrors, onSubscribe: variableErrors });

// Hive Router's runtime (HIVE_ROUTER_RUNTIME, which compose sets) leaves
// `data` out of an answer whose root field failed; the specification has
// `"data": null` there, as every graph of b2b serve answers: an error with
// a path is a field error, so execution ran.
const useDataOnFieldErrors = () => ({
  onExecute() {
    return {
      onExecuteDone({ result, setResult }) {
        if (result && !Array.isArray(result) && !('data' in result) && result.errors?.some((e) => e.path)) {
          setResult({ ...result, data: null });
        }
      },
    };
  },
});

// Hive Router's runtime passes a subscription event's errors on as the
// subgraph's SSE stream carried them, plain objects (the JavaScript
// planner does not); Hive Gateway masks every error that is no
// GraphQLError as "Unexpected error." (INTERNAL_SERVER_ERROR),
// so a subscriber refused by the subgraph (UNAUTHENTICATED, FORBIDDEN)
// would never learn why. Each becomes the GraphQLError it describes, and
// an event whose field failed gets its `"data": null` as above.
const asGraphQLError = (e) =>
  e instanceof graphql.GraphQLError
    ? e
    : new graphql.GraphQLError(String(e?.message ?? e), { path: e?.path, extensions: e?.extensions });
const useSubscriptionErrors = () => ({
  onSubscribe() {
    return {
      onSubscribeResult() {
        return {
          onNext({ result, setResult }) {
            if (!result?.errors?.length) return;
            const errors = result.errors.map(asGraphQLError);
            const data = 'data' in result || !errors.some((e) => e.path) ? {} : { data: null };
            setResult({ ...result, ...data, errors });
          },
        };
      },
    };
  },
});

// The graph's own limits (docs/api-graphql.md, "Limits"), with its numbers and codes,
// which limits.mjs has generated from graph/server: maxTokens is Hive
// Gateway's own check, set to graph/server's token limit, the rest
// limits.mjs's, which counts as the combined graph does. A document
// refused here never costs the subgraphs anything; they keep every limit
// of their own behind it. Variables are coerced first, as graph/server
// refuses bad variables before it measures the operation.
export const gatewayConfig = {
  maxTokens: defaults.tokens,
  plugins: () => [useVariableCodes(), useGraphLimits(graphql), useDataOnFieldErrors(), useSubscriptionErrors()],
  transportEntries,
  propagateHeaders: {
    fromClientToSubgraphs({ request, context }) {
      const headers = {};
      for (const name of forwarded) {
        const value = request.headers.get(name) || fromConnectionParams(context?.connectionParams, name);
        if (value) {
          headers[name] = value;
        }
      }
      return headers;
    },
  },
};
