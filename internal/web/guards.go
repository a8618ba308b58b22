package web

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
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
//
// The connection then closes, but not at once: a client that writes its
// whole body before it reads (Python's urllib, most scripts) would meet a
// reset instead of the 413, because closing a socket with unread data
// resets it. As nginx's lingering close does, the rest of the body is read
// and thrown away first, at most lingerBytes for at most lingerTime.
func LimitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := &limitedBody{body: r.Body, left: MaxBodyBytes, w: w}
		r.Body = body
		next.ServeHTTP(w, r)
		if body.over {
			rc := http.NewResponseController(w)
			_ = rc.Flush()
			_ = rc.SetReadDeadline(time.Now().Add(lingerTime))
			_, _ = io.CopyN(io.Discard, body.body, lingerBytes)
		}
	})
}

// What LimitBody reads and discards of a body past the limit.
const (
	lingerBytes = 64 << 20
	lingerTime  = 5 * time.Second
)

// limitedBody is http.MaxBytesReader that remembers that the limit was
// passed, and keeps the body it wraps for LimitBody to drain.
type limitedBody struct {
	body io.ReadCloser
	left int64
	w    http.ResponseWriter
	over bool
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.over {
		return 0, &http.MaxBytesError{Limit: MaxBodyBytes}
	}
	if len(p) == 0 {
		return 0, nil
	}
	// One byte more than is left tells a body at the limit from one past it.
	if int64(len(p))-1 > b.left {
		p = p[:b.left+1]
	}
	n, err := b.body.Read(p)
	if int64(n) <= b.left {
		b.left -= int64(n)
		return n, err
	}
	b.over = true
	// The client learns it may not send another request on this connection.
	b.w.Header().Set("Connection", "close")
	return int(b.left), &http.MaxBytesError{Limit: MaxBodyBytes}
}

func (b *limitedBody) Close() error { return b.body.Close() }

// Timeout bounds the context of every request by d, so that a database or
// a peer that stops answering (rather than refusing) turns into an error
// answer instead of a hung request.
//
// A stream (IsStream: a subscription over WebSocket or server-sent
// events) lives as long as its client keeps it, and is not bounded.
func Timeout(d time.Duration) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if IsStream(r) {
				next.ServeHTTP(w, r)
				return
			}
			ctx, cancel := context.WithTimeout(r.Context(), d)
			defer cancel()
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

// IsStream reports whether r opens a long-lived stream: a WebSocket
// upgrade, or a request for server-sent events.
func IsStream(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("Upgrade"), "websocket") ||
		strings.Contains(r.Header.Get("Accept"), "text/event-stream")
}
