package server

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/b2b-orders/platform/auth"
	"github.com/b2b-orders/platform/internal/gqlcode"
	"github.com/b2b-orders/platform/internal/web"
	"github.com/b2b-orders/platform/services"
)

// The WebSocket close codes the graph ends a connection with, beside
// RFC 6455's 1000 for a connection closed for holding no subscription.
// graphql-transport-ws closes a refused connection_init with 4403; the
// graph does the same when the connection's credential ends.
const (
	CloseForbidden      = 4403
	CloseTooManyStreams = 4429
)

// StreamLimits bound what callers hold open. A client is what the rate
// limit counts by (auth.ClientKey): a principal, or the address of a
// caller without a credential. Zero fields take the defaults.
type StreamLimits struct {
	// Total bounds the open subscriptions of a handler, and apart from
	// them its open WebSockets and event-stream requests.
	Total int
	// PerClient bounds one client's subscriptions, and apart from them
	// its open WebSockets and event-stream requests.
	PerClient int
	// PerConnection bounds the subscriptions of one WebSocket.
	PerConnection int
	// IdleGrace is how long a WebSocket may hold no subscription (after
	// its connection_init, or after its last subscription ended) before
	// it is closed.
	IdleGrace time.Duration
	// InitTimeout is how long a WebSocket may take to send connection_init.
	InitTimeout time.Duration
	// Recheck is how often a subscription asks whether its credential
	// still holds (a deleted customer); its expiry ends it on time and
	// every event is checked before it is sent.
	Recheck time.Duration
}

// The defaults of StreamLimits.
const (
	DefaultMaxStreams          = 1000
	DefaultMaxStreamsPerClient = 100
	DefaultMaxStreamsPerConn   = 20
	DefaultStreamIdleGrace     = 10 * time.Second
	DefaultStreamInitTimeout   = 5 * time.Second
	DefaultStreamRecheckEvery  = time.Second
)

// streamCredentialEndedReason is the reason of the close frame that ends
// a WebSocket whose credential ended.
const streamCredentialEndedReason = "Unauthenticated: the credential ended"

func (l StreamLimits) withDefaults() StreamLimits {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&l.Total, DefaultMaxStreams)
	def(&l.PerClient, DefaultMaxStreamsPerClient)
	def(&l.PerConnection, DefaultMaxStreamsPerConn)
	defDur := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	defDur(&l.IdleGrace, DefaultStreamIdleGrace)
	defDur(&l.InitTimeout, DefaultStreamInitTimeout)
	defDur(&l.Recheck, DefaultStreamRecheckEvery)
	return l
}

// gate counts what clients hold open against a total and a per-client
// bound. It is safe for concurrent use.
type gate struct {
	total, perClient int
	mu               sync.Mutex
	open             int
	by               map[string]int
}

func newGate(total, perClient int) *gate {
	return &gate{total: total, perClient: perClient, by: map[string]int{}}
}

// take counts one more for client, or says why it may not.
func (g *gate) take(client, what string) *gqlerror.Error {
	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case g.by[client] >= g.perClient:
		return codedError(gqlcode.TooManyStreams, "Too many open "+what+" for this client: at most "+itoa(g.perClient))
	case g.open >= g.total:
		return codedError(gqlcode.TooManyStreams, "Too many open "+what+" on this server: at most "+itoa(g.total)+"; try again later")
	}
	g.open++
	g.by[client]++
	return nil
}

func (g *gate) give(client string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.open--
	if g.by[client]--; g.by[client] <= 0 {
		delete(g.by, client)
	}
}

// streams is what a handler keeps of its open streams: the gates of
// requests (WebSockets and event streams) and of subscriptions, and how
// a subscription learns that its credential ended.
type streams struct {
	limits   StreamLimits
	requests *gate
	subs     *gate
	recheck  func(context.Context, services.Principal) error
}

func newStreams(limits StreamLimits, recheck func(context.Context, services.Principal) error) *streams {
	if recheck == nil {
		// With neither tokens nor customers to ask, an Authenticator
		// judges the expiry alone.
		recheck = (&auth.Authenticator{}).Recheck
	}
	return &streams{limits: limits, recheck: recheck,
		requests: newGate(limits.Total, limits.PerClient), subs: newGate(limits.Total, limits.PerClient)}
}

// ended reports whether err, from recheck, says the credential no longer
// holds (not that its state could not be learnt now: a stream outlives an
// outage). Such an error is the cause with which a subscription's context
// is canceled, and what its subscriber is told.
func ended(err error) bool {
	if err == nil {
		return false
	}
	se, ok := errors.AsType[*services.Error](err)
	return ok && se.Kind == services.Unauthenticated
}

type addrKey struct{}

// clientOf names the client of ctx for the limits (auth.ClientKey), by
// the address serve put in ctx when it has no principal.
func clientOf(ctx context.Context) string {
	addr, _ := ctx.Value(addrKey{}).(string)
	return auth.ClientKey(ctx, addr)
}

// serve admits a stream request (a WebSocket upgrade or an event stream)
// within the request gate, lifts the server's read and write deadlines
// for it, and for a WebSocket prepares the connection's state.
func (s *streams) serve(w http.ResponseWriter, r *http.Request, next http.Handler) {
	ctx := context.WithValue(r.Context(), addrKey{}, r.RemoteAddr)
	upgrade := r.Header.Get("Upgrade") != ""
	if upgrade {
		// Refused here, in the graph's format, rather than by the
		// WebSocket library, which would log the request past the
		// process's log handler.
		if status, msg := checkUpgrade(r); status != 0 {
			writeError(w, status, msg)
			return
		}
	}
	client := clientOf(ctx)
	what := "event streams"
	if upgrade {
		what = "WebSockets"
	}
	if err := s.requests.take(client, what); err != nil {
		w.Header().Set(web.RetryAfterHeader, web.RetryAfterSeconds)
		writeAnswer(w, mediaJSON, http.StatusTooManyRequests, &graphql.Response{Errors: gqlerror.List{err}})
		return
	}
	c := &wsConn{streams: s, client: client}
	defer func() { s.requests.give(c.holder()) }()
	if upgrade {
		ctx = context.WithValue(ctx, connKey{}, c)
	}
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Time{})
	next.ServeHTTP(w, r.WithContext(ctx))
	c.stop()
}

// checkUpgrade refuses a WebSocket handshake that the WebSocket library
// would refuse: another origin than the server's, another version than
// 13, no key. It answers the status and message, or 0.
func checkUpgrade(r *http.Request) (int, string) {
	if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") || r.Method != http.MethodGet {
		return http.StatusBadRequest, "A WebSocket handshake is a GET with Upgrade: websocket"
	}
	if r.Header.Get("Sec-WebSocket-Version") != "13" {
		return http.StatusBadRequest, "Only WebSocket version 13 is supported"
	}
	if r.Header.Get("Sec-WebSocket-Key") == "" {
		return http.StatusBadRequest, "The WebSocket handshake has no Sec-WebSocket-Key"
	}
	if origin := r.Header.Get("Origin"); origin != "" && !web.SameOrigin(origin, r.Host) {
		return http.StatusForbidden, "WebSockets from another origin are not accepted"
	}
	return 0, ""
}

type connKey struct{}

// wsConn is what the graph keeps of one WebSocket: whose it is, its live
// subscriptions, and the socket, so that it can close it itself: when it
// has held no subscription for the idle grace, and when its credential
// ends.
type wsConn struct {
	streams *streams
	mu      sync.Mutex
	client  string
	live    int
	ws      transport.WebsocketConn
	idle    *time.Timer
	closing bool
	// endCode is the close code to send once the last subscription has
	// sent its end (0: none pending).
	endCode int
	endMsg  string
}

func connOf(ctx context.Context) *wsConn {
	c, _ := ctx.Value(connKey{}).(*wsConn)
	return c
}

func (c *wsConn) holder() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.client
}

// accepted records the socket, and starts the idle clock.
func (c *wsConn) accepted(ws transport.WebsocketConn) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ws = ws
	c.idle = time.AfterFunc(c.streams.limits.IdleGrace, func() { c.closeIf(true, 1000, "No live subscription") })
}

// moveTo counts the connection against client from now on (its
// connection_init named a principal); false when that client holds all
// it may.
func (c *wsConn) moveTo(client string) *gqlerror.Error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if client == c.client {
		return nil
	}
	if err := c.streams.requests.take(client, "WebSockets"); err != nil {
		return err
	}
	c.streams.requests.give(c.client)
	c.client = client
	return nil
}

// begin counts one more live subscription on the connection.
func (c *wsConn) begin() *gqlerror.Error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.live >= c.streams.limits.PerConnection {
		return codedError(gqlcode.TooManyStreams, "Too many subscriptions on this connection: at most "+itoa(c.streams.limits.PerConnection))
	}
	c.live++
	if c.idle != nil {
		c.idle.Stop()
	}
	return nil
}

// end counts one subscription less, and closes the socket if one asked
// for that once the subscriptions had said their last word.
func (c *wsConn) end() {
	c.mu.Lock()
	c.live--
	live, code, msg := c.live, c.endCode, c.endMsg
	if live == 0 && c.idle != nil {
		c.idle.Reset(c.streams.limits.IdleGrace)
	}
	c.mu.Unlock()
	if live == 0 && code != 0 {
		c.closeIf(false, code, msg)
	}
}

// credentialEnded closes the socket with CloseForbidden once its live
// subscriptions have each sent their UNAUTHENTICATED end.
func (c *wsConn) credentialEnded() {
	c.mu.Lock()
	c.endCode, c.endMsg = CloseForbidden, streamCredentialEndedReason
	live := c.live
	c.mu.Unlock()
	if live == 0 {
		c.closeIf(false, CloseForbidden, streamCredentialEndedReason)
	}
}

// closeIf closes the socket with code, once; onlyIdle closes it only if it
// holds no subscription.
func (c *wsConn) closeIf(onlyIdle bool, code int, msg string) {
	c.mu.Lock()
	if c.closing || c.ws == nil || onlyIdle && c.live > 0 {
		c.mu.Unlock()
		return
	}
	c.closing = true
	ws := c.ws
	c.mu.Unlock()
	_ = ws.WriteClose(code, msg)
}

func (c *wsConn) stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.idle != nil {
		c.idle.Stop()
	}
}

// websocketImplementation hands each accepted socket to its wsConn.
type websocketImplementation struct {
	transport.CoderWebsocketImplementation
}

func (i websocketImplementation) Accept(w http.ResponseWriter, r *http.Request, opts transport.WebsocketAcceptOptions) (transport.WebsocketConn, error) {
	ws, err := i.CoderWebsocketImplementation.Accept(w, r, opts)
	if err == nil {
		if c := connOf(r.Context()); c != nil {
			c.accepted(ws)
		}
	}
	return ws, err
}

// initWebsocket authenticates a WebSocket connection from its init
// payload's Authorization (graphql-ws clients send it in
// connectionParams), or else keeps the upgrade request's principal. A
// connection left without a principal (no credential where one is
// required, or a refused one) is closed with CloseForbidden, and so is one
// whose principal holds all the WebSockets it may (CloseTooManyStreams).
func initWebsocket(authenticate func(context.Context, string) context.Context) transport.WebsocketInitFunc {
	return func(ctx context.Context, payload transport.InitPayload) (context.Context, *transport.InitPayload, error) {
		value := payload.Authorization()
		if authenticate != nil && value != "" {
			ctx = authenticate(ctx, value)
		}
		if _, err := auth.FromContext(ctx); err != nil {
			ctx = transport.AppendCloseReason(transport.WithWebsocketCloseCode(ctx, CloseForbidden), "Forbidden")
			return ctx, nil, errors.New("unauthenticated: a valid credential is required")
		}
		if c := connOf(ctx); c != nil {
			if err := c.moveTo(clientOf(ctx)); err != nil {
				ctx = transport.AppendCloseReason(transport.WithWebsocketCloseCode(ctx, CloseTooManyStreams), "Too many open WebSockets")
				return ctx, nil, errors.New(err.Message)
			}
		}
		return ctx, nil, nil
	}
}

// aroundSubscriptions admits each subscription within the limits and ends
// it when its credential does: at the credential's expiry, at the first
// recheck (every Recheck) that finds it revoked, and before any event
// that would be sent after either. The end is one response with an
// UNAUTHENTICATED error, then the end of the stream; on a WebSocket the
// connection then closes with CloseForbidden.
func (s *streams) aroundSubscriptions(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	opCtx := graphql.GetOperationContext(ctx)
	if opCtx.Operation == nil || opCtx.Operation.Operation != ast.Subscription {
		return next(ctx)
	}
	p, err := auth.FromContext(ctx)
	if err != nil {
		return next(ctx) // authorize refuses its fields
	}
	conn := connOf(ctx)
	if conn != nil {
		if err := conn.begin(); err != nil {
			return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{err}})
		}
	}
	client := clientOf(ctx)
	if err := s.subs.take(client, "subscriptions"); err != nil {
		if conn != nil {
			conn.end()
		}
		return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{err}})
	}
	// Released once the transport asks past the stream's last response
	// (so that a WebSocket closes only after its subscriptions have sent
	// their end), or when the operation's context ends, whichever is first.
	release := sync.OnceFunc(func() {
		s.subs.give(client)
		if conn != nil {
			conn.end()
		}
	})
	context.AfterFunc(ctx, release)
	sctx, cancel := context.WithCancelCause(ctx)
	h := func(context.Context) *graphql.Response { return nil }
	if err := s.recheck(ctx, p); ended(err) {
		cancel(err)
	} else {
		go s.watch(sctx, cancel, p)
		h = next(sctx)
	}
	done := false
	return func(rctx context.Context) *graphql.Response {
		if done {
			release()
			return nil
		}
		resp := h(rctx)
		if resp != nil && !ended(context.Cause(sctx)) {
			if err := s.recheck(rctx, p); ended(err) {
				cancel(err)
			}
		}
		switch cause := context.Cause(sctx); {
		case ended(cause):
			done = true
			if conn != nil {
				conn.credentialEnded()
			}
			return &graphql.Response{Errors: gqlerror.List{present(&gqlerror.Error{}, services.ErrorOf(cause))}}
		case resp == nil:
			cancel(nil)
			release()
		}
		return resp
	}
}

// watch cancels ctx with recheck's error at p's expiry (judged by the
// recheck's own clock) or at the first recheck that finds p's credential
// revoked; it returns when ctx ends.
func (s *streams) watch(ctx context.Context, cancel context.CancelCauseFunc, p services.Principal) {
	var expiry <-chan time.Time
	if !p.Expires.IsZero() {
		t := time.NewTimer(time.Until(p.Expires))
		defer t.Stop()
		expiry = t.C
	}
	tick := time.NewTicker(s.limits.Recheck)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-expiry:
		case <-tick.C:
		}
		if err := s.recheck(ctx, p); ended(err) {
			cancel(err)
			return
		}
	}
}
