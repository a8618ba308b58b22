// The graph's limits (README, "Limits") for a gateway in front of the
// subgraphs: the numbers, the counting and the error codes of graph/server,
// so that the gateway refuses exactly what the combined graph refuses, and
// before any subgraph is asked. A subgraph fetch cannot be limited in its
// stead: the gateway splits an operation into fetches that are each small,
// and sends each root mutation field as a fetch of its own.
//
// Each function here mirrors one in graph/server (named in its comment);
// change both together. graph/gateway_suite_test.go sends operations on
// both sides of every limit to the combined graph and to both gateways and
// requires the same answers.
//
// The module imports nothing: the caller passes its own `graphql` module,
// the one its gateway's errors must be instances of.

// The limits, as graph/server's defaults.
export const defaults = Object.freeze({
  fields: 2000,
  aliases: 100,
  sameName: 20,
  rootMutations: 10,
  depth: 15,
  complexity: 20000,
});

// The codes graph/server gives a refused document.
export const codes = Object.freeze({
  fields: 'FIELD_LIMIT_EXCEEDED',
  aliases: 'ALIAS_LIMIT_EXCEEDED',
  mutations: 'MUTATION_LIMIT_EXCEEDED',
  depth: 'DEPTH_LIMIT_EXCEEDED',
  complexity: 'COMPLEXITY_LIMIT_EXCEEDED',
  operation: 'OPERATION_RESOLUTION_FAILURE',
});

// What a connection's page and an order's item list count for in the
// complexity (graph/complexity.go, graph/model.PageSize and ItemsPerOrder).
const defaultFirst = 20;
const maxFirst = 100;
const itemsPerOrder = 10;
const pageSize = (first) => {
  if (first === undefined || first === null) return defaultFirst;
  if (!Number.isInteger(first) || first < 1) return 1;
  return Math.min(first, maxFirst);
};
const lists = {
  'Query.customers': (args) => pageSize(args.first),
  'Query.products': (args) => pageSize(args.first),
  'Query.orders': (args) => pageSize(args.first),
  'Customer.orders': (args) => pageSize(args.first),
  'Order.items': () => itemsPerOrder,
};

// Counts stop growing here: a fragment spread twice in a fragment spread
// twice doubles at each level (graph/server's saturated).
const saturated = 2 ** 30;
const add = (a, b) => Math.min(a + b, saturated);

// checkDocument is graph/server's Limits.check: what a parsed document
// selects, before it is validated. It returns { code, message } for a
// document over a limit, or null. Its cost is linear in the document.
export function checkDocument(doc, limits = defaults) {
  const fragments = new Map();
  const operations = [];
  for (const def of doc.definitions) {
    if (def.kind === 'FragmentDefinition') {
      if (!fragments.has(def.name.value)) fragments.set(def.name.value, def);
    } else if (def.kind === 'OperationDefinition') {
      operations.push(def);
    }
  }
  const memo = { counts: new Map(), roots: new Map(), names: new Map() };
  const open = new Set();
  const memoized = (cache, name, empty, measure) => {
    if (cache.has(name)) return cache.get(name);
    const def = fragments.get(name);
    if (!def || open.has(name)) return empty;
    open.add(name);
    const value = measure(def.selectionSet);
    open.delete(name);
    cache.set(name, value);
    return value;
  };

  const count = (set) => {
    let fields = 0;
    let aliases = 0;
    for (const sel of set?.selections ?? []) {
      let c = { fields: 0, aliases: 0 };
      if (sel.kind === 'Field') {
        const below = count(sel.selectionSet);
        const aliased = sel.alias && sel.alias.value !== sel.name.value ? 1 : 0;
        c = { fields: add(1, below.fields), aliases: add(aliased, below.aliases) };
      } else if (sel.kind === 'InlineFragment') {
        c = count(sel.selectionSet);
      } else if (sel.kind === 'FragmentSpread') {
        c = memoized(memo.counts, sel.name.value, { fields: 0, aliases: 0 }, count);
      }
      fields = add(fields, c.fields);
      aliases = add(aliases, c.aliases);
    }
    return { fields, aliases };
  };

  const spread = new Set();
  const walk = (set) => {
    for (const sel of set?.selections ?? []) {
      if (sel.kind === 'FragmentSpread') spread.add(sel.name.value);
      else walk(sel.selectionSet);
    }
  };
  for (const def of doc.definitions) {
    if (def.selectionSet) walk(def.selectionSet);
  }

  let total = { fields: 0, aliases: 0 };
  const sum = (c) => {
    total = { fields: add(total.fields, c.fields), aliases: add(total.aliases, c.aliases) };
  };
  for (const op of operations) sum(count(op.selectionSet));
  // A fragment no operation spreads is still walked by validation.
  for (const name of fragments.keys()) {
    if (!spread.has(name)) sum(memoized(memo.counts, name, { fields: 0, aliases: 0 }, count));
  }
  if (total.fields > limits.fields) {
    return { code: codes.fields, message: `The document selects ${total.fields} fields; the limit is ${limits.fields}` };
  }
  if (total.aliases > limits.aliases) {
    return { code: codes.aliases, message: `The document has ${total.aliases} aliases; the limit is ${limits.aliases}` };
  }

  const rootFields = (set) => {
    let n = 0;
    for (const sel of set?.selections ?? []) {
      if (sel.kind === 'Field') {
        if (sel.name.value !== '__typename') n++;
      } else if (sel.kind === 'InlineFragment') {
        n += rootFields(sel.selectionSet);
      } else if (sel.kind === 'FragmentSpread') {
        n += memoized(memo.roots, sel.name.value, 0, rootFields);
      }
      n = Math.min(n, saturated);
    }
    return n;
  };

  // flatten counts the fields of each response name in set, fragments
  // merged in, checking every selection set below it; it throws the
  // refusal, which the caller returns.
  const flatten = (set) => {
    const names = new Map();
    const merge = (from) => {
      for (const [name, n] of from ?? []) {
        const total = (names.get(name) ?? 0) + n;
        names.set(name, total);
        if (total > limits.sameName) {
          throw {
            code: codes.fields,
            message: `The response name "${name.slice(0, 64)}" is selected more than ${limits.sameName} times in one selection set`,
          };
        }
      }
    };
    for (const sel of set?.selections ?? []) {
      if (sel.kind === 'Field') {
        flatten(sel.selectionSet);
        merge([[sel.alias?.value ?? sel.name.value, 1]]);
      } else if (sel.kind === 'InlineFragment') {
        merge(flatten(sel.selectionSet));
      } else if (sel.kind === 'FragmentSpread') {
        merge(memoized(memo.names, sel.name.value, null, flatten));
      }
    }
    return names;
  };

  try {
    for (const op of operations) {
      if (op.operation === 'mutation') {
        const n = rootFields(op.selectionSet);
        if (n > limits.rootMutations) {
          return { code: codes.mutations, message: `The mutation has ${n} root fields; the limit is ${limits.rootMutations}` };
        }
      }
      flatten(op.selectionSet);
    }
    for (const name of fragments.keys()) memoized(memo.names, name, null, flatten);
  } catch (refused) {
    if (refused && typeof refused.code === 'string') return refused;
    throw refused;
  }
  return null;
}

// checkOperation is graph/server's depth and complexity limits, in that
// order, on the operation a valid document's operationName selects. It
// returns { code, message } for an operation over a limit, { code:
// OPERATION_RESOLUTION_FAILURE } when operationName selects none, or null.
export function checkOperation(graphql, schema, doc, operationName, variables, limits = defaults) {
  const operations = doc.definitions.filter((d) => d.kind === 'OperationDefinition');
  const op = operationName
    ? operations.find((o) => o.name?.value === operationName)
    : operations.length === 1
      ? operations[0]
      : undefined;
  if (!op) {
    return {
      code: codes.operation,
      message: operationName ? 'The document has no operation of that name' : 'The document has several operations and no operationName',
    };
  }
  const fragments = new Map();
  for (const def of doc.definitions) {
    if (def.kind === 'FragmentDefinition' && !fragments.has(def.name.value)) fragments.set(def.name.value, def);
  }
  const spreadSet = (sel) => fragments.get(sel.name.value)?.selectionSet;

  // graph/server's selectionDepth.
  const depthOf = (set) => {
    let deepest = 0;
    for (const sel of set?.selections ?? []) {
      let d = 0;
      if (sel.kind === 'Field') d = 1 + depthOf(sel.selectionSet);
      else if (sel.kind === 'InlineFragment') d = depthOf(sel.selectionSet);
      else if (sel.kind === 'FragmentSpread') d = depthOf(spreadSet(sel));
      deepest = Math.max(deepest, d);
    }
    return deepest;
  };
  const depth = depthOf(op.selectionSet);
  if (depth > limits.depth) {
    return { code: codes.depth, message: `operation has depth ${depth}, which exceeds the limit of ${limits.depth}` };
  }

  const vars = { ...(variables ?? {}) };
  for (const v of op.variableDefinitions ?? []) {
    const name = v.variable.name.value;
    if (vars[name] === undefined && v.defaultValue) vars[name] = graphql.valueFromASTUntyped(v.defaultValue);
  }
  const argsOf = (node, def) => {
    const args = {};
    for (const a of def?.args ?? []) {
      if (a.defaultValue !== undefined) args[a.name] = a.defaultValue;
    }
    for (const a of node.arguments ?? []) args[a.name.value] = graphql.valueFromASTUntyped(a.value, vars);
    return args;
  };
  const rootType = { query: schema.getQueryType(), mutation: schema.getMutationType(), subscription: schema.getSubscriptionType() }[op.operation];
  const { getNamedType, isObjectType, isInterfaceType, isUnionType, isScalarType, isEnumType } = graphql;
  const composite = (t) => isObjectType(t) || isInterfaceType(t) || isUnionType(t);

  // gqlgen's complexity.Calculate with graph.Complexity's lists:
  // __schema skipped and Query.__type ignored (both costed below by the
  // size of their answer), every other field 1 plus its children, lists
  // multiplied by their size, an interface's field at its costliest.
  const fieldCost = (objectName, field, child, args) => {
    const list = lists[`${objectName}.${field}`];
    return list ? add(1, child * list(args)) : add(1, child);
  };
  const complexityOf = (set, parent) => {
    let cost = 0;
    for (const sel of set?.selections ?? []) {
      if (sel.kind === 'Field') {
        const name = sel.name.value;
        if (name === '__schema' || (name === '__type' && parent === schema.getQueryType())) continue;
        const def = name === '__typename' ? undefined : parent?.getFields?.()[name];
        const type = def ? getNamedType(def.type) : undefined;
        const child = type && composite(type) ? complexityOf(sel.selectionSet, type) : 0;
        const args = argsOf(sel, def);
        let c;
        if (isInterfaceType(parent)) {
          c = 0;
          for (const impl of schema.getPossibleTypes(parent)) c = Math.max(c, fieldCost(impl.name, name, child, args));
        } else {
          c = fieldCost(parent?.name, name, child, args);
        }
        cost = add(cost, c);
      } else if (sel.kind === 'InlineFragment') {
        const on = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) : parent;
        cost = add(cost, complexityOf(sel.selectionSet, on));
      } else if (sel.kind === 'FragmentSpread') {
        const frag = fragments.get(sel.name.value);
        if (frag) cost = add(cost, complexityOf(frag.selectionSet, schema.getType(frag.typeCondition.name.value)));
      }
    }
    return cost;
  };
  let cost = complexityOf(op.selectionSet, rootType);
  if (cost <= limits.complexity) cost += introspectionCost(graphql, schema, op.selectionSet, fragments, vars, limits.complexity - cost);
  if (cost > limits.complexity) {
    return { code: codes.complexity, message: `operation has complexity ${cost}, which exceeds the limit of ${limits.complexity}` };
  }
  return null;
}

// introspectionCost is graph/server's introspectionCost: the fields an
// introspection answer will hold, one per field of every object in it,
// lists by their real length. It stops once past budget.
function introspectionCost(graphql, schema, rootSet, fragments, vars, budget) {
  const { isNonNullType, isListType, getNamedType, isInputObjectType, isEnumType, isObjectType, isInterfaceType, isUnionType, isAbstractType } = graphql;
  let cost = 0;
  const over = () => cost > budget;
  const fields = (set, visit) => {
    for (const sel of set?.selections ?? []) {
      if (sel.kind === 'Field') visit(sel);
      else if (sel.kind === 'InlineFragment') fields(sel.selectionSet, visit);
      else if (sel.kind === 'FragmentSpread') fields(fragments.get(sel.name.value)?.selectionSet, visit);
    }
  };
  const selected = (set) => {
    let n = 0;
    fields(set, () => n++);
    return n;
  };
  const typeValue = (set, t) => {
    const wrapped = isNonNullType(t) || isListType(t);
    const named = getNamedType(t);
    fields(set, (f) => {
      if (over()) return;
      cost++;
      switch (f.name.value) {
        case 'ofType':
          if (wrapped) typeValue(f.selectionSet, t.ofType);
          break;
        case 'fields':
        case 'inputFields':
          if (wrapped || (f.name.value === 'inputFields') !== isInputObjectType(named)) return;
          if (!isInputObjectType(named) && !isObjectType(named) && !isInterfaceType(named)) return;
          for (const fd of Object.values(named.getFields())) {
            if (!fd.name.startsWith('__')) field(f.selectionSet, fd.args ?? [], fd.type);
          }
          break;
        case 'enumValues':
          if (!wrapped && isEnumType(named)) cost += named.getValues().length * selected(f.selectionSet);
          break;
        case 'interfaces':
          if (!wrapped && (isObjectType(named) || isInterfaceType(named))) {
            for (const i of named.getInterfaces()) typeValue(f.selectionSet, i);
          }
          break;
        case 'possibleTypes':
          if (!wrapped && isAbstractType(named)) {
            for (const p of schema.getPossibleTypes(named)) typeValue(f.selectionSet, p);
          }
          break;
      }
    });
  };
  const field = (set, args, type) => {
    fields(set, (f) => {
      if (over()) return;
      cost++;
      if (f.name.value === 'args') for (const a of args) field(f.selectionSet, [], a.type);
      else if (f.name.value === 'type') typeValue(f.selectionSet, type);
    });
  };
  const directive = (set, d) => {
    fields(set, (f) => {
      if (over()) return;
      cost++;
      if (f.name.value === 'args') for (const a of d.args) field(f.selectionSet, [], a.type);
    });
  };
  const schemaValue = (set) => {
    fields(set, (f) => {
      if (over()) return;
      cost++;
      switch (f.name.value) {
        case 'types':
          for (const t of Object.values(schema.getTypeMap())) typeValue(f.selectionSet, t);
          break;
        case 'queryType':
        case 'mutationType':
        case 'subscriptionType': {
          const t = { queryType: schema.getQueryType(), mutationType: schema.getMutationType(), subscriptionType: schema.getSubscriptionType() }[f.name.value];
          if (t) typeValue(f.selectionSet, t);
          break;
        }
        case 'directives':
          for (const d of schema.getDirectives()) directive(f.selectionSet, d);
          break;
      }
    });
  };
  fields(rootSet, (f) => {
    if (over()) return;
    if (f.name.value === '__schema') {
      cost++;
      schemaValue(f.selectionSet);
    } else if (f.name.value === '__type') {
      cost++;
      const arg = f.arguments?.find((a) => a.name.value === 'name');
      const name = arg ? graphql.valueFromASTUntyped(arg.value, vars) : undefined;
      const t = typeof name === 'string' ? schema.getType(name) : undefined;
      if (t) typeValue(f.selectionSet, t);
    }
  });
  return cost;
}

// refusal turns { code, message } into the caller's GraphQLError, with
// the 400 graph/server answers it with.
export function refusal(graphql, { code, message }) {
  return new graphql.GraphQLError(message, { extensions: { code, http: { status: 400 } } });
}

// useGraphLimits is the limits as an Envelop plugin, for Hive Gateway:
// the document's measures before validation (validation itself is what an
// oversized document makes expensive), depth and complexity once it is
// valid, as graph/server orders them.
export function useGraphLimits(graphql, limits = defaults) {
  return {
    onValidate({ params, context, setResult }) {
      const refused = checkDocument(params.documentAST, limits);
      if (refused) {
        setResult([refusal(graphql, refused)]);
        return undefined;
      }
      return ({ valid, setResult: replace }) => {
        if (!valid) return;
        const req = context?.params ?? {};
        const over = checkOperation(graphql, params.schema, params.documentAST, req.operationName, req.variables, limits);
        // An operationName that selects nothing is the executor's to refuse.
        if (over && over.code !== codes.operation) replace([refusal(graphql, over)]);
      };
    },
  };
}
