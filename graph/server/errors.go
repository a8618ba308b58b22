package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/b2b-orders/platform/services"
)

// The extensions.code values of the graph's errors. Clients (the Lambda
// among them) branch on these, never on messages.
const (
	CodeBadUserInput       = "BAD_USER_INPUT"
	CodeUnauthenticated    = "UNAUTHENTICATED"
	CodeForbidden          = "FORBIDDEN"
	CodeNotFound           = "NOT_FOUND"
	CodeConflict           = "CONFLICT"
	CodeInsufficientStock  = "INSUFFICIENT_STOCK"
	CodeFailedPrecondition = "FAILED_PRECONDITION"
	CodeInternal           = "INTERNAL_SERVER_ERROR"
	// CodeDepthLimit is the code of an operation nested deeper than allowed;
	// the complexity limit answers gqlgen's COMPLEXITY_LIMIT_EXCEEDED.
	CodeDepthLimit = "DEPTH_LIMIT_EXCEEDED"
	// CodeUnavailable answers an operation that waited for its turn until
	// its deadline.
	CodeUnavailable = "UNAVAILABLE"
	// CodeRateLimited answers a caller over its rate budget (429).
	CodeRateLimited = "RATE_LIMITED"
	// CodeCanceled answers a field whose caller went away before it was
	// resolved; nobody reads it.
	CodeCanceled = "CANCELED"
)

// Code returns the extensions.code of a services error: the one table
// from Kinds to GraphQL codes.
func Code(e *services.Error) string {
	switch e.Kind {
	case services.Invalid:
		return CodeBadUserInput
	case services.Unauthenticated:
		return CodeUnauthenticated
	case services.PermissionDenied:
		return CodeForbidden
	case services.NotFound:
		return CodeNotFound
	case services.Conflict:
		return CodeConflict
	case services.Unavailable:
		return CodeUnavailable
	case services.Canceled:
		return CodeCanceled
	case services.FailedPrecondition:
		if e.Code == services.CodeInsufficientStock {
			return CodeInsufficientStock
		}
		return CodeFailedPrecondition
	}
	return CodeInternal
}

// presenter turns every error a resolver (or gqlgen, while coercing
// arguments) reports into a client error with extensions.code. Services
// errors keep their client-safe message; Invalid ones name the field.
// Anything else is a bug or an outage: logged once with the request id and
// the path, and shown as "Internal server error".
//
// keyErr is the federation runtime's error for a representation whose key
// is missing or null (the generated package's ErrTypeNotFound): it is
// answered as an invalid id, as a malformed one is.
func presenter(log *slog.Logger, keyErr error) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gqlErr := graphql.DefaultErrorPresenter(ctx, err)
		// gqlgen's own errors about the request (an operation over the
		// complexity limit, a body it cannot read) carry no cause and are
		// meant for the client.
		if own, ok := errors.AsType[*gqlerror.Error](err); ok && own.Err == nil {
			if _, has := own.Extensions["code"]; !has {
				errcode.Set(own, CodeBadUserInput)
			}
			return own
		}
		var se *services.Error
		if errors.As(err, &se) && se.Kind != services.Internal {
			return present(gqlErr, se)
		}
		// The federation runtime's own errors about _entities
		// representations (an unknown __typename, a missing or malformed
		// key) describe the caller's input and wrap no services error.
		if se == nil && !errors.As(err, new(panicked)) && inEntities(ctx) {
			gqlErr.Extensions = map[string]any{"code": CodeBadUserInput}
			if keyErr != nil && errors.Is(err, keyErr) {
				gqlErr.Message = "Invalid ID"
				gqlErr.Extensions["field"] = "id"
			}
			return gqlErr
		}
		// A resolver that met its caller's departure without saying so
		// (gqlgen's own context checks, a loader) is no internal error.
		if se == nil && errors.Is(err, context.Canceled) {
			gqlErr.Message = "Request canceled"
			gqlErr.Extensions = map[string]any{"code": CodeCanceled}
			return gqlErr
		}
		if !errors.As(err, new(panicked)) {
			log.ErrorContext(ctx, "graphql: internal error",
				"err", err, "path", gqlErr.Path.String(), "request_id", middleware.GetReqID(ctx))
		}
		return &gqlerror.Error{
			Message:    "Internal server error",
			Path:       gqlErr.Path,
			Locations:  gqlErr.Locations,
			Extensions: map[string]any{"code": CodeInternal},
		}
	}
}

// present gives gqlErr the message and extensions of se, an error meant
// for the client (any Kind but Internal).
func present(gqlErr *gqlerror.Error, se *services.Error) *gqlerror.Error {
	gqlErr.Message = se.Message
	gqlErr.Extensions = map[string]any{"code": Code(se)}
	if se.Kind == services.Invalid && se.Field != "" {
		gqlErr.Extensions["field"] = se.Field
	}
	if se.Code != "" {
		gqlErr.Extensions["reason"] = se.Code
	}
	return gqlErr
}

// inEntities reports whether ctx is the resolution of the _entities field.
func inEntities(ctx context.Context) bool {
	fc := graphql.GetFieldContext(ctx)
	return fc != nil && fc.Field.Field != nil && fc.Field.Name == "_entities"
}

// panicked is a recovered panic, already logged with its stack.
type panicked struct{ value any }

func (p panicked) Error() string { return fmt.Sprint("panic: ", p.value) }

// recoverer logs a resolver's panic with its stack and turns it into an
// error that the presenter masks.
func recoverer(log *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, v any) error {
		log.ErrorContext(ctx, "graphql: panic in resolver",
			"panic", v, "stack", string(debug.Stack()), "request_id", middleware.GetReqID(ctx))
		return panicked{v}
	}
}
