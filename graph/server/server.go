// Package server builds the HTTP handler of a GraphQL schema the same way
// for the two subgraphs and the combined graph: one error presenter, panics
// recovered, depth and complexity limits, a body limit, per-request
// loaders, authentication answered once per operation, and a log line per
// operation.
package server

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/validator/rules"

	"github.com/b2b-orders/platform/auth"
	"github.com/b2b-orders/platform/graph/loaders"
	"github.com/b2b-orders/platform/internal/gqlcode"
	"github.com/b2b-orders/platform/internal/relay"
	"github.com/b2b-orders/platform/internal/web"
	"github.com/b2b-orders/platform/services"
	"github.com/b2b-orders/platform/services/webhooks"
)

// Defaults of Options.
const (
	// DefaultMaxDepth admits GraphiQL's introspection query, whose
	// deepest field (a type reference nine ofType levels down) is at 14.
	DefaultMaxDepth      = 15
	DefaultMaxComplexity = 20000
	DefaultMaxBodyBytes  = web.MaxBodyBytes
	// DefaultMaxInFlight keeps a busy graph's memory bounded (see
	// docs/benchmarks.md) while leaving two cores far more work than
	// they can do at once.
	DefaultMaxInFlight = 32
)

// Options configure a graph handler. Zero fields take the defaults.
type Options struct {
	// Logger receives one line per operation and every internal error;
	// nil means slog.Default().
	Logger *slog.Logger
	// Services back the loaders.
	Services loaders.Services
	// Events feeds the orderEvents subscription (nil: none).
	Events *relay.Bus
	// Webhooks backs the admin-only webhook fields of the orders subgraph
	// (nil: they answer Unavailable).
	Webhooks *webhooks.Service
	// Authenticate decides who a WebSocket connection is from its init
	// payload's Authorization (auth.Authenticator.Authenticate); nil
	// leaves the upgrade request's principal.
	Authenticate func(ctx context.Context, authorization string) context.Context
	// Recheck tells a subscription whether the credential of its
	// principal still holds (auth.Authenticator.Recheck); nil checks
	// the principal's expiry only.
	Recheck func(ctx context.Context, p services.Principal) error
	// Streams bound the subscriptions, WebSockets and event streams
	// callers hold open.
	Streams StreamLimits
	// MaxDepth bounds how deeply an operation nests fields, introspection
	// included.
	MaxDepth int
	// MaxComplexity bounds an operation's complexity: one per field, lists
	// multiplied by their page size, introspection by its answer's size.
	MaxComplexity int
	// MaxBodyBytes bounds a request body.
	MaxBodyBytes int64
	// MaxInFlight bounds the operations executing at once; the others
	// wait their turn until their context ends. gqlgen resolves list
	// elements in goroutines of their own, so memory grows with the
	// operations in flight, not with the connections.
	MaxInFlight int
	// EntityKeyError is the error of the schema's federation runtime for
	// an _entities representation without its key (the generated
	// ErrTypeNotFound), answered as "Invalid ID".
	EntityKeyError error
	// Limits bound a document before it is validated.
	Limits Limits
	// Introspection says who may read the schema; "" is
	// IntrospectionPublic.
	Introspection Introspection
	// Charge, when set, takes cost more units from the caller's rate
	// budget for an operation with more than one root field (the request
	// itself was charged one). It returns false, having answered the
	// request, when the budget is spent.
	Charge func(w http.ResponseWriter, r *http.Request, cost int) bool
}

// New returns the HTTP handler of es (built with Executable, so that it
// serves its public schema). It expects the authentication middleware
// (auth.Authenticator.Middleware) to have run before it.
func New(es graphql.ExecutableSchema, opts Options) http.Handler {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.MaxDepth <= 0 {
		opts.MaxDepth = DefaultMaxDepth
	}
	if opts.MaxComplexity <= 0 {
		opts.MaxComplexity = DefaultMaxComplexity
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.MaxInFlight <= 0 {
		opts.MaxInFlight = DefaultMaxInFlight
	}
	if opts.Introspection == "" {
		opts.Introspection = IntrospectionPublic
	}
	limits := opts.Limits.withDefaults()
	// Suggestions name fields: only where anyone may read them anyway.
	suggest := opts.Introspection == IntrospectionPublic
	cache := lru.New[*ast.QueryDocument](1000)
	srv := handler.New(es)
	srv.AddTransport(transport.Options{})
	// Subscriptions: graphql-transport-ws and graphql-ws over WebSocket,
	// and server-sent events. A WebSocket connection authenticates with
	// its init payload's Authorization when the upgrade carried none.
	live := newStreams(opts.Streams.withDefaults(), opts.Recheck)
	srv.AddTransport(transport.Websocket{
		Implementation:        websocketImplementation{},
		KeepAlivePingInterval: 15 * time.Second,
		InitTimeout:           live.limits.InitTimeout,
		InitFunc:              initWebsocket(opts.Authenticate),
	})
	srv.AddTransport(transport.SSE{})
	srv.AddTransport(&httpTransport{
		limits: limits, cache: cache, schema: es.Schema(),
		suggest: suggest, charge: opts.Charge,
	})
	srv.AddTransport(unsupported{}) // last: what no other transport takes
	srv.SetQueryCache(cache)
	// gqlgen validates what the subscriptions' transports bring by the
	// rules ours validates by.
	srv.SetValidationRulesFn(func() *rules.Rules { return validationRules(suggest) })
	srv.SetDisableSuggestion(!suggest)
	// The document limits for the transports that are not ours (the
	// subscriptions'): ours checks before it parses.
	srv.Use(documentLimits{limits: limits, cache: cache, schema: es.Schema()})
	srv.SetParserTokenLimit(limits.Tokens)
	// gqlgen serves __schema, __type and _service { sdl } only with this
	// extension; authorize decides who may ask.
	srv.Use(extension.Introspection{})
	srv.Use(depthLimit(opts.MaxDepth))
	srv.Use(&complexityLimit{limit: opts.MaxComplexity})
	srv.SetErrorPresenter(presenter(opts.Logger, opts.EntityKeyError))
	srv.SetRecoverFunc(recoverer(opts.Logger))
	srv.AroundFields(authorize(opts.Introspection))
	srv.AroundOperations(live.aroundSubscriptions)
	srv.AroundResponses(logOperation(opts.Logger))
	h := limitInFlight(opts.MaxInFlight, loaders.Middleware(opts.Services, srv))
	streams := loaders.Middleware(opts.Services, srv)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next := h
		if web.IsStream(r) {
			if r.Header.Get("Upgrade") != "" {
				live.serve(w, r, streams) // a WebSocket has no body to read
				return
			}
			next = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { live.serve(w, r, streams) })
		}
		// Read the body here, bounded, so that an oversized one gets its
		// own answer instead of a read error deep in the transport.
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, opts.MaxBodyBytes))
		if err != nil {
			status, msg := http.StatusBadRequest, "Could not read the request body"
			if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
				status, msg = http.StatusRequestEntityTooLarge, "Request body too large"
			}
			writeError(w, status, msg)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r)
	})
}

// limitInFlight lets at most n requests into next at once; the others wait
// for a turn until their context ends (the client left, or the server's
// request timeout passed) and are then answered 503 UNAVAILABLE.
func limitInFlight(n int, next http.Handler) http.Handler {
	turns := make(chan struct{}, n)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case turns <- struct{}{}:
			defer func() { <-turns }()
			next.ServeHTTP(w, r)
		case <-r.Context().Done():
			w.Header().Set(web.RetryAfterHeader, web.RetryAfterSeconds)
			writeCodedError(w, http.StatusServiceUnavailable, gqlcode.Unavailable, "The server is busy; try again")
		}
	})
}

// writeError answers a request refused before it became an operation.
func writeError(w http.ResponseWriter, status int, msg string) {
	writeCodedError(w, status, gqlcode.BadUserInput, msg)
}

func writeCodedError(w http.ResponseWriter, status int, code, msg string) {
	writeAnswer(w, mediaJSON, status, requestError(code, msg))
}

// unsupported takes the requests that no other transport does (another
// method, an upgrade) and answers them in the graph's error format, with a
// code, instead of gqlgen's bare "transport not supported".
type unsupported struct{}

func (unsupported) Supports(*http.Request) bool { return true }

func (unsupported) Do(w http.ResponseWriter, r *http.Request, _ graphql.GraphExecutor) {
	w.Header().Set("Allow", "GET, POST, OPTIONS")
	writeError(w, http.StatusMethodNotAllowed, "Method "+r.Method+" not allowed: use GET or POST")
}

// authorize refuses each root field the caller may not ask for, with the
// field's own error at its path: UNAUTHENTICATED when the caller is not
// authenticated (no credential while one is required, or a refused one)
// and the field is not __typename or schema the policy opens to anyone;
// FORBIDDEN for __schema and __type when introspection is off. Per field,
// not per operation, because that is the shape a federation gateway gives
// a subgraph's refusal: the combined graph and the gateways answer alike.
func authorize(policy Introspection) graphql.FieldMiddleware {
	return func(ctx context.Context, next graphql.Resolver) (any, error) {
		fc := graphql.GetFieldContext(ctx)
		// A root field's parent is the operation's root object: neither
		// a field nor a list element.
		if fc == nil || fc.Parent != nil && (fc.Parent.Field.Field != nil || fc.Parent.Index != nil) {
			return next(ctx)
		}
		name := fc.Field.Name
		switch {
		case name == "__typename":
		case introspectionFields[name] && policy == IntrospectionOff:
			return nil, errIntrospectionOff
		case (introspectionFields[name] || name == "_service") && policy == IntrospectionPublic:
		default:
			if _, err := auth.FromContext(ctx); err != nil {
				return nil, err
			}
		}
		return next(ctx)
	}
}

var errIntrospectionOff = services.Errorf(services.PermissionDenied, "", "Introspection is disabled on this server")

// logOperation logs each operation's name, duration and error count, or
// hands them to the request's access line (web.OperationOf).
func logOperation(log *slog.Logger) graphql.ResponseMiddleware {
	return func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
		ctx = withLogAttrs(ctx)
		resp := next(ctx)
		var errs int
		if resp != nil {
			errs = len(resp.Errors)
		}
		// A request that never became an operation (a body that is not a
		// GraphQL request) has no operation context.
		var name string
		var duration time.Duration
		if graphql.HasOperationContext(ctx) {
			opCtx := graphql.GetOperationContext(ctx)
			name = opCtx.OperationName
			if name == "" && opCtx.Operation != nil {
				name = opCtx.Operation.Name
			}
			duration = time.Since(opCtx.Stats.OperationStart)
		}
		if recordOperation(ctx, name, errs, duration) {
			return resp
		}
		attrs := []any{"operation", web.LogName(name), "duration", duration,
			"errors", errs, "request_id", middleware.GetReqID(ctx)}
		attrs = append(attrs, logAttrs(ctx)...)
		log.InfoContext(ctx, "graphql: operation", attrs...)
		return resp
	}
}

// depthLimit refuses operations that nest fields deeper than max.
type depthLimit int

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = depthLimit(0)

func (depthLimit) ExtensionName() string                   { return "DepthLimit" }
func (depthLimit) Validate(graphql.ExecutableSchema) error { return nil }
func (d depthLimit) MutateOperationContext(_ context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	if depth := selectionDepth(opCtx.Operation.SelectionSet); depth > int(d) {
		return &gqlerror.Error{
			Message:    "operation has depth " + itoa(depth) + ", which exceeds the limit of " + itoa(int(d)),
			Extensions: map[string]any{"code": gqlcode.DepthLimit},
		}
	}
	return nil
}

// selectionDepth is the depth of the deepest field under set, fragments
// and introspection included. Validation has already refused fragment
// cycles.
func selectionDepth(set ast.SelectionSet) int {
	deepest := 0
	for _, sel := range set {
		var d int
		switch sel := sel.(type) {
		case *ast.Field:
			d = 1 + selectionDepth(sel.SelectionSet)
		case *ast.InlineFragment:
			d = selectionDepth(sel.SelectionSet)
		case *ast.FragmentSpread:
			if sel.Definition != nil {
				d = selectionDepth(sel.Definition.SelectionSet)
			}
		}
		deepest = max(deepest, d)
	}
	return deepest
}

// documentLimits runs Limits on documents that reach gqlgen through a
// transport other than ours (the subscriptions'), before gqlgen parses
// and validates them; documents in the cache passed them already. For
// every transport it then refuses variables that are, or hold, an Int
// outside 32 bits (intVariables), before gqlgen coerces them.
type documentLimits struct {
	limits Limits
	cache  graphql.Cache[*ast.QueryDocument]
	schema *ast.Schema
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = documentLimits{}

func (documentLimits) ExtensionName() string                   { return "DocumentLimits" }
func (documentLimits) Validate(graphql.ExecutableSchema) error { return nil }
func (d documentLimits) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	doc, ok := d.cache.Get(ctx, p.Query)
	if !ok {
		var err *gqlerror.Error
		if doc, err = d.limits.parse(p.Query); err != nil {
			return err
		}
		if err := d.limits.check(doc); err != nil {
			return err
		}
	}
	if len(p.Variables) == 0 {
		return nil
	}
	op := doc.Operations.ForName(p.OperationName)
	if op == nil {
		return nil // gqlgen refuses it
	}
	return intVariables(d.schema, op, p.Variables)
}
