package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/go-chi/chi/v5/middleware"
)

// Recoverer turns a panic into an error logged with its stack and a 500
// that says nothing about it, in the contract's envelope.
func Recoverer(log *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				rec := recover()
				if rec == nil {
					return
				}
				if rec == http.ErrAbortHandler {
					panic(rec) // net/http's way to abort a response; it logs nothing
				}
				log.ErrorContext(r.Context(), "panic", "panic", fmt.Sprint(rec),
					"request_id", middleware.GetReqID(r.Context()), "stack", string(debug.Stack()))
				WriteError(w, http.StatusInternalServerError, MsgInternal)
			}()
			next.ServeHTTP(w, r)
		})
	}
}

// LimitBody caps request bodies at MaxBodyBytes; a handler reading past
// the cap gets an *http.MaxBytesError and answers 413 in its own format.
func LimitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
		next.ServeHTTP(w, r)
	})
}

// Timeout bounds the context of every request by d, so that a database or
// a peer that stops answering (rather than refusing) turns into an error
// answer instead of a hung request.
func Timeout(d time.Duration) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx, cancel := context.WithTimeout(r.Context(), d)
			defer cancel()
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}
