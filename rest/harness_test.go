package rest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/b2b-orders/platform/auth"
	"github.com/b2b-orders/platform/db"
	"github.com/b2b-orders/platform/db/dbtest"
	"github.com/b2b-orders/platform/internal/app"
	"github.com/b2b-orders/platform/internal/clocktest"
	"github.com/b2b-orders/platform/internal/config"
	"github.com/b2b-orders/platform/rest"
	"github.com/b2b-orders/platform/services"
	"github.com/b2b-orders/platform/services/accounts"
	"github.com/b2b-orders/platform/services/customers"
	"github.com/b2b-orders/platform/services/orders"
)

const (
	testSecret       = "rest-test-secret-0123456789abcdef0123456789"
	testServiceToken = "rest-test-service-token-0123456789"
)

// testStart is the clock's start: every timestamp the tests create is
// this one (or a later one a test moves to), so golden files need no
// normalising; the seed data keeps its own.
var testStart = time.Date(2025, 6, 1, 12, 0, 0, 123_000_000, time.UTC)

// env is the two roles' real routers over one fresh, seeded database,
// behind the same middleware cmd/b2b puts in front of them.
type env struct {
	db        *db.DB
	clock     *clocktest.Clock
	tokens    *auth.Tokens
	customers http.Handler
	orders    http.Handler
	custSvc   *customers.Service
	ordSvc    *orders.Service
	accts     *accounts.Service
	// admin is "Bearer <admin JWT>", sent by do unless a request says otherwise.
	admin string
	// cleanups run when the test ends, after the requests.
	cleanups []func()
}

type envOptions struct {
	authRequired bool
	corsOrigins  []string
	// customersAt, when set, makes the orders API that of a split orders
	// role: its service asks the customers role at base, with token, over
	// HTTP (CUSTOMERS_API_BASE and SERVICE_TOKEN).
	customersAt func(e *env) (base, token string)
}

func newEnv(t testing.TB) *env { return newEnvWith(t, envOptions{authRequired: true}) }

func newEnvWith(t testing.TB, o envOptions) *env {
	t.Helper()
	d := dbtest.Open(t)
	if _, err := d.Seed(t.Context()); err != nil {
		t.Fatalf("seed: %v", err)
	}
	e := &env{db: d, clock: clocktest.New(testStart)}
	t.Cleanup(func() {
		for _, f := range e.cleanups {
			f()
		}
	})
	e.tokens = &auth.Tokens{Secret: []byte(testSecret), Now: e.clock.Now}
	// The services as b2b serve builds them: every role in one process,
	// or the orders role alone, which asks the customers role over HTTP.
	var cfg config.Config
	roles := app.Roles()
	if o.customersAt != nil {
		cfg.CustomersAPIBase, cfg.ServiceToken = o.customersAt(e)
		var err error
		if roles, err = app.RolesNamed("orders"); err != nil {
			t.Fatal(err)
		}
	}
	built := app.New(app.Options{Config: cfg, Store: d, Roles: roles, Now: e.clock.Now}).Services()
	e.custSvc = built.Customers
	e.ordSvc = built.Orders
	e.accts = built.Accounts
	a := &auth.Authenticator{Tokens: e.tokens, ServiceToken: testServiceToken, Required: o.authRequired,
		Identities: &auth.Identities{Resolve: built.Accounts, Now: e.clock.Now}}
	opts := rest.Options{Auth: a, CORSOrigins: o.corsOrigins, Log: slog.New(slog.NewTextHandler(testLog{t}, nil))}
	e.customers = stack(a, rest.NewCustomersAPI(e.custSvc, e.accts, opts))
	e.orders = stack(a, rest.NewOrdersAPI(e.ordSvc, built.Webhooks, opts))
	e.admin = e.bearer(t, services.Principal{Role: services.RoleAdmin, Subject: "test-admin"})
	return e
}

// testLog shows the handlers' logs with the test's output.
type testLog struct{ t testing.TB }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

// bearer returns an Authorization value with a JWT for p.
func (e *env) bearer(t testing.TB, p services.Principal) string {
	t.Helper()
	tok, err := e.tokens.Issue(p, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return "Bearer " + tok
}

// stack is what cmd/b2b's role handler puts around the REST routes:
// request id, body limit, authentication, and the 404 envelope outside
// /api/v1.
func stack(a *auth.Authenticator, api http.Handler) http.Handler {
	r := chi.NewRouter()
	r.Use(middleware.RequestID, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r.Body = http.MaxBytesReader(w, r.Body, rest.MaxBodyBytes)
			next.ServeHTTP(w, r)
		})
	}, a.Middleware)
	notFound := func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"success":false,"error":"Endpoint not found"}`)
	}
	r.NotFound(notFound)
	r.MethodNotAllowed(notFound)
	r.Mount(rest.Prefix, api)
	return r
}

// request is one HTTP request of a test.
type request struct {
	method, path, body string
	// role is the role to ask, when the path does not tell (openapi.json).
	role string
	// header holds extra headers; an "Authorization" entry replaces the
	// admin token: "" sends none, customerTokenOf+"N" a JWT of customer N,
	// memberTokenOf+"C:M" a JWT of member M of customer C, staffToken a
	// JWT of the staff role.
	header map[string]string
}

const (
	customerTokenOf = "customer-jwt:"
	memberTokenOf   = "member-jwt:"
	staffToken      = "staff-jwt"
)

type response struct {
	status int
	header http.Header
	body   []byte
}

// roleOf names the role that serves rq.
func roleOf(rq request) string {
	switch {
	case rq.role != "":
		return rq.role
	case strings.HasPrefix(rq.path, custURL), strings.HasPrefix(rq.path, internal), rq.path == meURL:
		return "customers"
	}
	return "orders"
}

func (e *env) handlerFor(rq request) http.Handler {
	if roleOf(rq) == "customers" {
		return e.customers
	}
	return e.orders
}

func (e *env) do(t testing.TB, rq request) response {
	t.Helper()
	var body io.Reader
	if rq.body != "" {
		body = strings.NewReader(rq.body)
	}
	req := httptest.NewRequest(rq.method, rq.path, body)
	if rq.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	auth, custom := rq.header["Authorization"]
	switch {
	case !custom:
		auth = e.admin
	case auth == staffToken:
		auth = e.bearer(t, services.Principal{Role: services.RoleStaff, Subject: "test-staff"})
	case strings.HasPrefix(auth, customerTokenOf):
		id, err := strconv.Atoi(strings.TrimPrefix(auth, customerTokenOf))
		if err != nil {
			t.Fatal(err)
		}
		auth = e.bearer(t, services.Principal{Role: services.RoleCustomer, CustomerID: id})
	case strings.HasPrefix(auth, memberTokenOf):
		c, m, _ := strings.Cut(strings.TrimPrefix(auth, memberTokenOf), ":")
		cid, err1 := strconv.Atoi(c)
		mid, err2 := strconv.Atoi(m)
		if err1 != nil || err2 != nil {
			t.Fatalf("bad member token %q", auth)
		}
		auth = e.bearer(t, services.Principal{Role: services.RoleCustomer, CustomerID: cid, MemberID: mid})
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	for k, v := range rq.header {
		if k != "Authorization" {
			req.Header.Set(k, v)
		}
	}
	rec := httptest.NewRecorder()
	e.handlerFor(rq).ServeHTTP(rec, req)
	return response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
}

// must sends rq and fails the test unless it succeeds (2xx).
func (e *env) must(t testing.TB, rq request) response {
	t.Helper()
	r := e.do(t, rq)
	if r.status < 200 || r.status > 299 {
		t.Fatalf("%s %s: %d %s", rq.method, rq.path, r.status, r.body)
	}
	return r
}

// errorMessage returns the error of an error envelope, failing the test
// when the body is not exactly one.
func errorMessage(t testing.TB, body []byte) string {
	t.Helper()
	var env struct {
		Success *bool   `json:"success"`
		Error   *string `json:"error"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&env); err != nil || env.Success == nil || *env.Success || env.Error == nil {
		t.Fatalf("not an error envelope: %s (%v)", body, err)
	}
	return *env.Error
}

// dataOf decodes the data of a success envelope into v.
func dataOf(t testing.TB, body []byte, v any) {
	t.Helper()
	var env struct {
		Success bool            `json:"success"`
		Data    json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &env); err != nil || !env.Success {
		t.Fatalf("not a success envelope: %s (%v)", body, err)
	}
	if err := json.Unmarshal(env.Data, v); err != nil {
		t.Fatalf("data: %v in %s", err, body)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
