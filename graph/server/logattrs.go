package server

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/b2b-orders/platform/internal/web"
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

// recordOperation hands what the handler learnt of the request's
// operation to the request's access line (web.OperationOf), and reports
// whether there was one to take it.
func recordOperation(ctx context.Context, name string, errs int, d time.Duration) bool {
	op, ok := web.OperationOf(ctx)
	if !ok {
		return false
	}
	op.Record(name, errs, d, logAttrs(ctx))
	return true
}
