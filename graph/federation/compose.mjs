// Composes the customers and orders subgraphs with two independent
// composers (Apollo's and The Guild's), fails on any error or hint, and
// fails unless both composed API schemas equal the combined graph's API
// schema. Writes the supergraph that the gateway check runs on.
//
// usage: node compose.mjs SDL_DIR SUPERGRAPH_OUT
// SDL_DIR holds customers.graphql, orders.graphql and combined.graphql,
// each a graph's _service { sdl } (TestSubgraphSDL writes them).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, buildSchema, printSchema, lexicographicSortSchema } from 'graphql';
import { composeServices as apolloCompose } from '@apollo/composition';
import { composeServices as guildCompose } from '@theguild/federation-composition';

const [sdlDir, out] = process.argv.slice(2);
if (!sdlDir || !out) {
  console.error('usage: node compose.mjs SDL_DIR SUPERGRAPH_OUT');
  process.exit(2);
}

// The URLs are those of `b2b serve` in split mode; the gateway check
// points the subgraphs elsewhere when it runs them on other ports.
const subgraphs = [
  { name: 'customers', url: 'http://localhost:3001/graphql' },
  { name: 'orders', url: 'http://localhost:3002/graphql' },
].map((s) => ({ ...s, typeDefs: parse(readFileSync(join(sdlDir, `${s.name}.graphql`), 'utf8')) }));

let failed = false;
const fail = (msg) => {
  console.error(`FAIL ${msg}`);
  failed = true;
};
const canonical = (schema) => printSchema(lexicographicSortSchema(schema));

// Apollo: errors and hints both fail the check.
const apollo = apolloCompose(subgraphs);
if (apollo.errors) {
  for (const e of apollo.errors) fail(`apollo composition: ${e.extensions?.code ?? ''} ${e.message}`);
  process.exit(1);
}
for (const h of apollo.hints ?? []) fail(`apollo composition hint: ${h.definition?.code ?? ''} ${h.message}`);
const apolloAPI = canonical(apollo.schema.toAPISchema().toGraphQLJSSchema());
console.log('apollo composition: ok');

// The Guild's composer, independently.
const guild = guildCompose(subgraphs);
if (guild.errors) {
  for (const e of guild.errors) fail(`guild composition: ${e.extensions?.code ?? ''} ${e.message}`);
  process.exit(1);
}
const guildAPI = canonical(buildSchema(guild.publicSdl));
console.log('guild composition: ok');

// The combined graph is itself a valid subgraph; composed alone, its API
// schema is what clients of the combined graph see.
const combined = apolloCompose([
  { name: 'combined', url: 'http://localhost:4000/graphql', typeDefs: parse(readFileSync(join(sdlDir, 'combined.graphql'), 'utf8')) },
]);
if (combined.errors) {
  for (const e of combined.errors) fail(`combined graph as a subgraph: ${e.message}`);
  process.exit(1);
}
for (const h of combined.hints ?? []) fail(`combined graph hint: ${h.definition?.code ?? ''} ${h.message}`);
const combinedAPI = canonical(combined.schema.toAPISchema().toGraphQLJSSchema());

const firstDiff = (a, b) => {
  const al = a.split('\n');
  const bl = b.split('\n');
  for (let i = 0; i < Math.max(al.length, bl.length); i++) {
    if (al[i] !== bl[i]) return `line ${i + 1}:\n  - ${al[i]}\n  + ${bl[i]}`;
  }
  return '';
};
if (apolloAPI !== combinedAPI) fail(`apollo's composed API schema differs from the combined graph's, ${firstDiff(combinedAPI, apolloAPI)}`);
else console.log('apollo API schema equals the combined graph: ok');
if (guildAPI !== combinedAPI) fail(`guild's composed API schema differs from the combined graph's, ${firstDiff(combinedAPI, guildAPI)}`);
else console.log('guild API schema equals the combined graph: ok');

if (failed) process.exit(1);
writeFileSync(out, apollo.supergraphSdl.endsWith('\n') ? apollo.supergraphSdl : apollo.supergraphSdl + '\n');
console.log(`wrote ${out}`);
