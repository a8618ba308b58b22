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

	"github.com/b2b-orders/platform/internal/gqlcode"
	"github.com/b2b-orders/platform/services"
)

// Code returns the extensions.code of a services error: the one table
// from Kinds to GraphQL codes.
func Code(e *services.Error) string {
	switch e.Kind {
	case services.Invalid:
		return gqlcode.BadUserInput
	case services.Unauthenticated:
		return gqlcode.Unauthenticated
	case services.PermissionDenied:
		return gqlcode.Forbidden
	case services.NotFound:
		return gqlcode.NotFound
	case services.Conflict:
		return gqlcode.Conflict
	case services.Unavailable:
		return gqlcode.Unavailable
	case services.Canceled:
		return gqlcode.Canceled
	case services.FailedPrecondition:
		if e.Code == services.CodeInsufficientStock {
			return gqlcode.InsufficientStock
		}
		return gqlcode.FailedPrecondition
	}
	return gqlcode.Internal
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
				errcode.Set(own, gqlcode.BadUserInput)
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
			gqlErr.Extensions = map[string]any{"code": gqlcode.BadUserInput}
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
			gqlErr.Extensions = map[string]any{"code": gqlcode.Canceled}
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
			Extensions: map[string]any{"code": gqlcode.Internal},
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
