// Package server builds the HTTP handler of a GraphQL schema the same way
// for the two subgraphs and the combined graph: one error presenter, panics
// recovered, depth and complexity limits, a body limit, per-request
// loaders, authentication answered once per operation, and a log line per
// operation.
package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/b2b-orders/platform/auth"
	"github.com/b2b-orders/platform/graph/loaders"
	"github.com/b2b-orders/platform/services"
)

// Defaults of Options.
const (
	DefaultMaxDepth      = 12
	DefaultMaxComplexity = 20000
	DefaultMaxBodyBytes  = 1 << 20
	// DefaultMaxInFlight keeps a busy graph's memory bounded (see
	// docs/BENCHMARKS.md) while leaving two cores far more work than
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
	// MaxDepth bounds how deeply an operation nests fields; introspection
	// fields (__schema, __type) do not count.
	MaxDepth int
	// MaxComplexity bounds an operation's complexity: one per field, lists
	// multiplied by their page size.
	MaxComplexity int
	// MaxBodyBytes bounds a request body.
	MaxBodyBytes int64
	// MaxInFlight bounds the operations executing at once; the others
	// wait their turn until their context ends. gqlgen resolves list
	// elements in goroutines of their own, so memory grows with the
	// operations in flight, not with the connections.
	MaxInFlight int
}

// New returns the HTTP handler of es. It expects the authentication
// middleware (auth.Authenticator.Middleware) to have run before it.
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
	srv := handler.New(es)
	srv.AddTransport(transport.Options{})
	srv.AddTransport(codedGET{})
	srv.AddTransport(transport.POST{})
	srv.AddTransport(unsupported{}) // last: what no other transport takes
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	// Introspection stays on: the playground needs it, and gqlgen serves
	// _service { sdl } (what gateways compose from) only with it.
	srv.Use(extension.Introspection{})
	srv.Use(depthLimit(opts.MaxDepth))
	srv.Use(extension.FixedComplexityLimit(opts.MaxComplexity))
	srv.SetErrorPresenter(presenter(opts.Logger))
	srv.SetRecoverFunc(recoverer(opts.Logger))
	srv.AroundOperations(requireAuth)
	srv.AroundResponses(logOperation(opts.Logger))
	h := limitInFlight(opts.MaxInFlight, loaders.Middleware(opts.Services, srv))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
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
		// A JSON array of operations (batching) is refused as a whole:
		// every operation is authorized, limited and logged on its own.
		if r.Method == http.MethodPost && bytes.HasPrefix(bytes.TrimLeft(body, " \t\r\n"), []byte("[")) {
			writeError(w, http.StatusBadRequest, "Batched operations are not supported: send one operation per request")
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		h.ServeHTTP(w, r)
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
			w.Header().Set("Retry-After", "1")
			writeCodedError(w, http.StatusServiceUnavailable, CodeUnavailable, "The server is busy; try again")
		}
	})
}

// writeError answers a request refused before it became an operation.
func writeError(w http.ResponseWriter, status int, msg string) {
	writeCodedError(w, status, CodeBadUserInput, msg)
}

func writeCodedError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(graphql.Response{Errors: gqlerror.List{{
		Message: msg, Extensions: map[string]any{"code": code},
	}}})
}

// codedGET is gqlgen's GET transport, with a code added to the errors it
// writes itself, past the error presenter: a query string or variables it
// cannot read, a mutation sent with GET (406).
type codedGET struct{ transport.GET }

func (t codedGET) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	buf := &bufferedWriter{header: w.Header(), status: http.StatusOK}
	t.GET.Do(buf, r, exec)
	body := buf.body.Bytes()
	if buf.status >= http.StatusBadRequest {
		var resp graphql.Response
		if json.Unmarshal(body, &resp) == nil {
			coded := false
			for _, e := range resp.Errors {
				if _, has := e.Extensions["code"]; !has {
					errcode.Set(e, CodeBadUserInput)
					coded = true
				}
			}
			if b, err := json.Marshal(resp); coded && err == nil {
				body = b
			}
		}
	}
	w.WriteHeader(buf.status)
	_, _ = w.Write(body)
}

// bufferedWriter keeps an answer for codedGET to look at.
type bufferedWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedWriter) Header() http.Header         { return b.header }
func (b *bufferedWriter) WriteHeader(status int)      { b.status = status }
func (b *bufferedWriter) Write(p []byte) (int, error) { return b.body.Write(p) }

// unsupported takes the requests that no other transport does (another
// method, a POST body that is not JSON) and answers them in the graph's
// error format, with a code, instead of gqlgen's bare "transport not
// supported".
type unsupported struct{}

func (unsupported) Supports(*http.Request) bool { return true }

func (unsupported) Do(w http.ResponseWriter, r *http.Request, _ graphql.GraphExecutor) {
	if r.Method == http.MethodPost {
		writeError(w, http.StatusUnsupportedMediaType, "Content-Type must be application/json")
		return
	}
	w.Header().Set("Allow", "GET, POST, OPTIONS")
	writeError(w, http.StatusMethodNotAllowed, "Method "+r.Method+" not allowed: use GET or POST")
}

// publicFields may be asked without credentials: they describe the schema
// and read no data.
var publicFields = map[string]bool{"__schema": true, "__type": true, "__typename": true, "_service": true}

// requireAuth answers a whole operation with one UNAUTHENTICATED error when
// the caller is not authenticated (no credential while one is required, or
// a refused one), unless it asks only for the schema. Without it, every
// root field would fail on its own with the same error.
func requireAuth(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	_, err := auth.FromContext(ctx)
	if err == nil {
		return next(ctx)
	}
	opCtx := graphql.GetOperationContext(ctx)
	for _, f := range graphql.CollectFields(opCtx, opCtx.Operation.SelectionSet, nil) {
		if !publicFields[f.Name] {
			se := services.As(err)
			// The response middlewares (logOperation) never see a refused
			// operation: tell the access log here.
			name := opCtx.OperationName
			if name == "" {
				name = opCtx.Operation.Name
			}
			recordOperation(ctx, name, 1, time.Since(opCtx.Stats.OperationStart))
			return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{{
				Message:    se.Message,
				Extensions: map[string]any{"code": CodeUnauthenticated},
			}}})
		}
	}
	return next(ctx)
}

// logOperation logs each operation's name, duration and error count, or
// hands them to the request's RecordOperation.
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
		attrs := []any{"operation", name, "duration", duration,
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
			Extensions: map[string]any{"code": CodeDepthLimit},
		}
	}
	return nil
}

// selectionDepth is the depth of the deepest field under set, fragments
// included. Validation has already refused fragment cycles.
func selectionDepth(set ast.SelectionSet) int {
	deepest := 0
	for _, sel := range set {
		var d int
		switch sel := sel.(type) {
		case *ast.Field:
			if strings.HasPrefix(sel.Name, "__") {
				continue
			}
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
