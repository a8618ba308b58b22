// The GraphQL-over-HTTP audit of the specification's reference
// implementation (graphql-http's auditServer), and a check that each
// graph's introspection loads in clients that implement the October 2021
// specification, run against live endpoints.
//
// usage: TOKEN=<jwt> node audit.mjs URL...
// For each URL it prints every audit that is not ok, then
// "URL: N ok, N warnings, N errors", builds a client schema from the
// introspection GraphiQL sends (graphql-js's buildClientSchema) and checks
// that its directives use only the October 2021 locations. It ends with
// "N passed, N failed" (one per URL and check) and exits 1 on any failure.
import { auditServer } from 'graphql-http';
import { buildClientSchema, getIntrospectionQuery } from 'graphql';

const urls = process.argv.slice(2);
if (urls.length === 0) {
  console.error('usage: TOKEN=<jwt> node audit.mjs URL...');
  process.exit(2);
}
const authorization = process.env.TOKEN ? `Bearer ${process.env.TOKEN}` : '';
const withToken = (url, init = {}) => {
  const headers = new Headers(init.headers);
  if (authorization) headers.set('authorization', authorization);
  return fetch(url, { ...init, headers });
};

// The directive locations of the October 2021 specification.
const specLocations = new Set([
  'QUERY', 'MUTATION', 'SUBSCRIPTION', 'FIELD', 'FRAGMENT_DEFINITION', 'FRAGMENT_SPREAD',
  'INLINE_FRAGMENT', 'VARIABLE_DEFINITION', 'SCHEMA', 'SCALAR', 'OBJECT', 'FIELD_DEFINITION',
  'ARGUMENT_DEFINITION', 'INTERFACE', 'UNION', 'ENUM', 'ENUM_VALUE', 'INPUT_OBJECT',
  'INPUT_FIELD_DEFINITION',
]);

let passed = 0;
let failed = 0;
const outcome = (ok, what) => {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
};

for (const url of urls) {
  const results = await auditServer({ url, fetchFn: withToken });
  const count = { ok: 0, warn: 0, error: 0 };
  for (const r of results) {
    // "notice" is graphql-http's name for a failed MAY: count it as an error.
    const kind = r.status === 'ok' ? 'ok' : r.status === 'warn' ? 'warn' : 'error';
    count[kind]++;
    if (kind !== 'ok') {
      let body = '';
      try {
        body = `${r.response.status} ${(await r.response.text()).slice(0, 300)}`;
      } catch {}
      console.log(`  ${r.status} ${r.id} ${r.name}: ${r.reason} ${body}`);
    }
  }
  outcome(count.warn === 0 && count.error === 0,
    `${url}: graphql-http audit ${count.ok} ok, ${count.warn} warnings, ${count.error} errors`);

  const query = getIntrospectionQuery({
    descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true,
    schemaDescription: true, inputValueDeprecation: true,
  });
  const res = await withToken(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify({ query }),
  });
  const body = await res.json();
  if (res.status !== 200 || body.errors) {
    outcome(false, `${url}: introspection answered ${res.status} ${JSON.stringify(body.errors)}`);
    continue;
  }
  let problem = '';
  try {
    buildClientSchema(body.data);
  } catch (e) {
    problem = `buildClientSchema: ${e.message}`;
  }
  const types = body.data.__schema.types.map((t) => t.name);
  for (const d of body.data.__schema.directives) {
    for (const l of d.locations) if (!specLocations.has(l)) problem ||= `@${d.name} on ${l}`;
  }
  if (types.includes('Entity')) problem ||= "gqlgen's Entity type is exposed";
  outcome(problem === '', `${url}: introspection builds a client schema with October 2021 locations only${problem ? ` (${problem})` : ''}`);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
