// Package rest serves the /api/v1 routes of the original Node.js system
// (docs/contract.md) over the domain services: one chi router per
// role, explicit request and response types, and one table from service
// errors to the contract's statuses and messages.
//
// The handlers are adapters: they authenticate through the auth package's
// middleware (run by the caller, see NewCustomersAPI), decode and type-check
// the request, call one service method and encode the answer. Validation
// and authorization decisions stay in the services.
package rest

import (
	"log/slog"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/b2b-orders/platform/auth"
	"github.com/b2b-orders/platform/internal/directory"
	"github.com/b2b-orders/platform/internal/web"
	"github.com/b2b-orders/platform/services/accounts"
	"github.com/b2b-orders/platform/services/customers"
	"github.com/b2b-orders/platform/services/orders"
	"github.com/b2b-orders/platform/services/webhooks"
)

// Prefix is where the handlers of this package are mounted.
const Prefix = "/api/v1"

// MaxBodyBytes is the largest request body read; larger ones get 413.
const MaxBodyBytes = web.MaxBodyBytes

// Options are what both roles' handlers share.
type Options struct {
	// Auth (required) guards the internal route with the service token.
	// The public routes read the principal that Auth.Middleware put in the
	// context.
	Auth *auth.Authenticator
	// Log receives internal errors, once each, with the request id. nil
	// means slog.Default().
	Log *slog.Logger
	// CORSOrigins lists the browser origins allowed to call the API; "*"
	// allows any. Empty turns CORS off.
	CORSOrigins []string
}

func (o Options) logger() *slog.Logger {
	if o.Log != nil {
		return o.Log
	}
	return slog.Default()
}

// NewCustomersAPI returns the customers role's routes, to be mounted at
// Prefix behind auth.Authenticator.Middleware: the customers resource with
// their members, locations and API keys, /me, the
// internal customer route (service token only) and the role's OpenAPI
// document at /openapi.json.
func NewCustomersAPI(svc *customers.Service, accts *accounts.Service, opts Options) http.Handler {
	h := &customersHandler{svc: svc, errs: errorWriter{log: opts.logger()}}
	a := &accountsHandler{svc: accts, errs: h.errs}
	r := newRouter(opts)
	r.Get("/openapi.json", serveDocument(customersDocument))
	r.Route("/customers", withPrincipal(h.errs, func(r chi.Router) {
		h.routes(r)
		a.customerRoutes(r)
	}))
	r.With(h.errs.requirePrincipal).Get("/me", a.me)
	r.Method(http.MethodGet, strings.TrimPrefix(directory.Path, Prefix)+"{id}",
		opts.Auth.RequireService(directory.Answering(http.HandlerFunc(h.get)), h.errs.deny))
	r.Method(http.MethodGet, strings.TrimSuffix(strings.TrimPrefix(directory.Path, Prefix), "/"),
		opts.Auth.RequireService(directory.Answering(http.HandlerFunc(h.live)), h.errs.deny))
	return r
}

// NewOrdersAPI returns the orders role's routes, to be mounted at Prefix
// behind auth.Authenticator.Middleware: products, orders, price lists and
// prices, webhooks (when hooks is not nil) and the role's OpenAPI
// document at /openapi.json.
func NewOrdersAPI(svc *orders.Service, hooks *webhooks.Service, opts Options) http.Handler {
	errs := errorWriter{log: opts.logger()}
	p := &productsHandler{svc: svc, errs: errs}
	o := &ordersHandler{svc: svc, errs: errs}
	pr := &pricingHandler{svc: svc, errs: errs}
	r := newRouter(opts)
	r.Get("/openapi.json", serveDocument(ordersDocument))
	r.Route("/products", withPrincipal(errs, p.routes))
	r.Route("/orders", withPrincipal(errs, o.routes))
	r.Route("/price-lists", withPrincipal(errs, pr.priceListRoutes))
	r.With(errs.requirePrincipal).Get("/prices", pr.prices)
	if hooks != nil {
		wh := &webhooksHandler{svc: hooks, errs: errs}
		r.Route("/webhooks", withPrincipal(errs, wh.routes))
	}
	return r
}

// withPrincipal makes every route that routes declares require a
// principal. It wraps each route (chi's With) rather than the subrouter
// (Use), so that routing comes first and an unknown method is 404 whoever
// asks.
func withPrincipal(ew errorWriter, routes func(chi.Router)) func(chi.Router) {
	return func(r chi.Router) { routes(r.With(ew.requirePrincipal)) }
}

// newRouter is the part both roles share. CORS runs before routing so that
// it can answer preflight requests, which no route declares.
func newRouter(opts Options) *chi.Mux {
	r := chi.NewRouter()
	// Express, which the original ran on, ignores one trailing slash.
	r.Use(web.SecurityHeaders, cors(opts.CORSOrigins), refuseCrossSite(opts.CORSOrigins), middleware.StripSlashes, web.RequireJSON)
	// The contract answers unknown methods like unknown routes.
	r.NotFound(web.NotFound)
	r.MethodNotAllowed(web.NotFound)
	return r
}
