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
import { useGraphLimits } from './limits.mjs';

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

// Hive Gateway coerces variables in its planner and gives the errors no
// code; coerced here first, an invalid or missing variable is answered
// 400 BAD_USER_INPUT, as by every graph of b2b serve.
const useVariableCodes = () => ({
  onExecute({ args, setResultAndStopExecution }) {
    const op = graphql.getOperationAST(args.document, args.operationName);
    if (!op?.variableDefinitions?.length) return;
    const { errors } = graphql.getVariableValues(args.schema, op.variableDefinitions, args.variableValues ?? {}, { maxErrors: 20 });
    if (errors) {
      setResultAndStopExecution({
        errors: errors.map((e) => new graphql.GraphQLError(e.message, { nodes: e.nodes, extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } })),
      });
    }
  },
});

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

// The graph's own limits (README, "Limits"), with its numbers and codes:
// maxTokens is Hive Gateway's, the rest limits.mjs's, which counts as the
// combined graph does. A document refused here never costs the subgraphs
// anything; they keep every limit of their own behind it.
export const gatewayConfig = {
  maxTokens: 10000,
  plugins: () => [useGraphLimits(graphql), useVariableCodes(), useDataOnFieldErrors()],
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
