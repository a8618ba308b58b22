package server

import (
	"context"
	"strconv"
	"sync"
	"time"
)

// opAttrs collects attributes resolvers add to their operation's log line.
type opAttrs struct {
	mu    sync.Mutex
	attrs []any
}

type attrsKey struct{}

// WithLogAttrs prepares ctx for LogAttr; New does it for every operation.
func withLogAttrs(ctx context.Context) context.Context {
	return context.WithValue(ctx, attrsKey{}, &opAttrs{})
}

// LogAttr adds key=value to the log line of the current operation, such as
// the correlation id a caller sent. Outside an operation it does nothing.
func LogAttr(ctx context.Context, key string, value any) {
	if a, ok := ctx.Value(attrsKey{}).(*opAttrs); ok {
		a.mu.Lock()
		a.attrs = append(a.attrs, key, value)
		a.mu.Unlock()
	}
}

func logAttrs(ctx context.Context) []any {
	a, ok := ctx.Value(attrsKey{}).(*opAttrs)
	if !ok {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]any(nil), a.attrs...)
}

func itoa(n int) string { return strconv.Itoa(n) }

// Operation is what the handler learnt of a request's GraphQL operation.
type Operation struct {
	// Name is the operation's name; empty for an anonymous operation or a
	// request that never became one.
	Name string
	// Errors counts the errors of the response.
	Errors   int
	Duration time.Duration
	// Attrs are the key-value pairs resolvers added with LogAttr.
	Attrs []any
}

type recorderKey struct{}

// RecordOperation returns a context under which the handler stores what it
// learnt of the request's operation in op instead of logging a line of its
// own: a server that writes one access line per HTTP request (cmd/b2b)
// carries the operation there, so that a request is never logged twice.
// op is written before the handler returns.
func RecordOperation(ctx context.Context, op *Operation) context.Context {
	return context.WithValue(ctx, recorderKey{}, op)
}

// recordOperation fills the Operation of RecordOperation, if the caller
// asked for one, and reports whether it did.
func recordOperation(ctx context.Context, name string, errs int, d time.Duration) bool {
	op, ok := ctx.Value(recorderKey{}).(*Operation)
	if !ok {
		return false
	}
	*op = Operation{Name: name, Errors: errs, Duration: d, Attrs: logAttrs(ctx)}
	return true
}
