package orchestrator_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/go-chi/chi/v5"
	"github.com/vektah/gqlparser/v2"

	"github.com/b2b-orders/platform/auth"
	"github.com/b2b-orders/platform/db"
	"github.com/b2b-orders/platform/db/dbtest"
	"github.com/b2b-orders/platform/graph"
	"github.com/b2b-orders/platform/internal/app"
	"github.com/b2b-orders/platform/internal/config"
	"github.com/b2b-orders/platform/lambda/orchestrator"
	"github.com/b2b-orders/platform/services"
	"github.com/b2b-orders/platform/services/customers"
	"github.com/b2b-orders/platform/services/orders"
)

const serviceToken = "test-service-token"

// env is a real combined graph over a seeded store, and an orchestrator
// handler pointed at it.
type env struct {
	orders    *orders.Service
	customers *customers.Service
	tokens    *auth.Tokens
	graph     *httptest.Server
	h         *orchestrator.Handler
}

// testSecret signs the tests' tokens.
const testSecret = "test-secret-test-secret-test-secret"

// graphApp is the graph role as b2b serve builds it over store: the
// process the orchestrator calls.
func graphApp(t testing.TB, store *db.DB, log *slog.Logger) (*app.App, app.Role) {
	t.Helper()
	rs, err := app.RolesNamed("graph")
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Config{JWTSecret: testSecret, ServiceToken: serviceToken, AuthRequired: true}
	return app.New(app.Options{Config: cfg, Store: store, Log: log, Roles: rs}), rs[0]
}

func newEnv(t *testing.T) *env {
	t.Helper()
	store := dbtest.Open(t)
	if _, err := store.Seed(t.Context()); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	a, graphRole := graphApp(t, store, log)
	srv := httptest.NewServer(a.Handler(graphRole))
	t.Cleanup(srv.Close)
	return &env{
		orders:    a.Services().Orders,
		customers: a.Services().Customers,
		tokens:    &auth.Tokens{Secret: []byte(testSecret)},
		graph:     srv,
		h: &orchestrator.Handler{
			Graph:  &orchestrator.GraphClient{URL: srv.URL + "/graphql", ServiceToken: serviceToken, HTTP: srv.Client(), Backoff: time.Millisecond},
			Logger: log,
			NewID:  func() string { return "generated-id" },
		},
	}
}

func (e *env) stock(t *testing.T, id int) int64 {
	t.Helper()
	p, err := e.orders.GetProduct(services.WithPrincipal(t.Context(), services.ServicePrincipal), id)
	if err != nil {
		t.Fatal(err)
	}
	return p.Stock
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// wantBody decodes an answer and checks its status, success and error.
func wantBody(t *testing.T, body string, wantErr string) orchestrator.Response {
	t.Helper()
	var r orchestrator.Response
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatalf("body %q: %v", body, err)
	}
	if r.Success != (wantErr == "") || r.Error != wantErr || r.CorrelationID == "" {
		t.Fatalf("body = %s, want error %q", body, wantErr)
	}
	return r
}

func TestMutationMatchesTheGraph(t *testing.T) {
	schema := graph.NewExecutableSchema(graph.Config{}).Schema()
	if _, errs := gqlparser.LoadQueryWithRules(schema, orchestrator.CreateAndConfirmMutation, nil); len(errs) > 0 {
		t.Fatalf("the orchestrator's mutation does not fit the graph: %v", errs)
	}
}

// Every event shape places the order and answers in its own shape.
func TestEventFixtures(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()

	out, _ := e.h.HandleEvent(ctx, fixture(t, "apigw-v1.json"))
	v1, ok := out.(events.APIGatewayProxyResponse)
	if !ok || v1.StatusCode != http.StatusCreated || v1.Headers["X-Correlation-ID"] != "req-789" {
		t.Fatalf("v1 answer = %#v", out)
	}
	r := wantBody(t, v1.Body, "")
	want := orchestrator.ResponseData{
		Customer: orchestrator.CustomerInfo{ID: 1, Name: "ACME Corporation", Email: "ops@acme.com", Phone: r.Data.Customer.Phone},
		Order: orchestrator.OrderInfo{ID: r.Data.Order.ID, Status: "CONFIRMED", TotalCents: 7797,
			Items: []orchestrator.LineInfo{{ProductID: 2, Qty: 3, UnitPriceCents: 2599, SubtotalCents: 7797}}},
	}
	if r.CorrelationID != "req-789" || r.Data.Customer.Phone == nil || *r.Data.Customer.Phone != "+1-555-0101" || !equalJSON(t, *r.Data, want) {
		t.Fatalf("v1 data = %+v", r.Data)
	}

	out, _ = e.h.HandleEvent(ctx, fixture(t, "apigw-v2.json"))
	v2, ok := out.(events.APIGatewayV2HTTPResponse)
	if !ok || v2.StatusCode != http.StatusCreated {
		t.Fatalf("v2 answer = %#v", out)
	}
	if r := wantBody(t, v2.Body, ""); r.CorrelationID != "v2-header-id" || r.Data.Order.TotalCents != 8999+2*29999 || len(r.Data.Order.Items) != 2 {
		t.Fatalf("v2 (base64 body) = %+v", r)
	}

	out, _ = e.h.HandleEvent(ctx, fixture(t, "function-url.json"))
	url, ok := out.(events.APIGatewayV2HTTPResponse)
	if !ok || url.StatusCode != http.StatusCreated {
		t.Fatalf("function URL answer = %#v", out)
	}
	if r := wantBody(t, url.Body, ""); r.CorrelationID != "generated-id" || r.Data.Customer.ID != 3 {
		t.Fatalf("function URL = %+v", r)
	}

	raw, err := json.Marshal(mustEvent(t, e, fixture(t, "direct.json")))
	if err != nil {
		t.Fatal(err)
	}
	var direct struct {
		StatusCode int `json:"statusCode"`
		orchestrator.Response
	}
	if err := json.Unmarshal(raw, &direct); err != nil || direct.StatusCode != 201 || !direct.Success || direct.CorrelationID != "direct-789" {
		t.Fatalf("direct answer = %s, %v", raw, err)
	}
	// Two orders of 3 wireless mice each: v1 and direct had different keys.
	if s := e.stock(t, 2); s != 200-6 {
		t.Fatalf("stock of product 2 = %d", s)
	}
}

func mustEvent(t *testing.T, e *env, event []byte) any {
	t.Helper()
	out, err := e.h.HandleEvent(t.Context(), event)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func equalJSON(t *testing.T, a, b any) bool {
	t.Helper()
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

func TestScenarios(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	first := e.h.Handle(ctx, []byte(`{"customer_id":1,"items":[{"product_id":1,"qty":2}],"idempotency_key":"k-1"}`), "", "")
	if first.Status != http.StatusCreated || first.Data.Order.Status != "CONFIRMED" || first.Data.Order.TotalCents != 259800 {
		t.Fatalf("first = %+v", first)
	}
	// The same request again, as a retry: the same order, no more stock.
	again := e.h.Handle(ctx, []byte(`{"customer_id":1,"items":[{"product_id":1,"qty":2}],"idempotency_key":"k-1","correlation_id":"retry"}`), "", "")
	if again.Status != http.StatusCreated || again.Data.Order.ID != first.Data.Order.ID || again.CorrelationID != "retry" {
		t.Fatalf("replay = %+v", again)
	}
	if s := e.stock(t, 1); s != 48 {
		t.Fatalf("stock = %d after a replay, want 48", s)
	}
	cases := []struct {
		name   string
		body   string
		status int
		msg    string
	}{
		{"key reused", `{"customer_id":1,"items":[{"product_id":1,"qty":3}],"idempotency_key":"k-1"}`, 409, "Idempotency key already used for a different request"},
		{"unknown customer", `{"customer_id":999,"items":[{"product_id":1,"qty":1}],"idempotency_key":"k-2"}`, 404, "Customer not found or inactive"},
		{"unknown product", `{"customer_id":1,"items":[{"product_id":999,"qty":1}],"idempotency_key":"k-3"}`, 404, "Products not found: 999"},
		{"insufficient stock", `{"customer_id":1,"items":[{"product_id":1,"qty":49}],"idempotency_key":"k-4"}`, 400, "Insufficient stock for product Professional Laptop. Available: 48, Requested: 49"},
		{"empty items", `{"customer_id":1,"items":[],"idempotency_key":"k-5"}`, 400, "At least one item is required"},
		{"missing key", `{"customer_id":1,"items":[{"product_id":1,"qty":1}]}`, 400, "Required"},
		{"malformed body", `{"customer_id":`, 400, "Invalid JSON"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.h.Handle(ctx, []byte(tc.body), "", "")
			if r.Status != tc.status || r.Error != tc.msg || r.Success || r.CorrelationID != "generated-id" {
				t.Fatalf("answer = %+v, want %d %q", r, tc.status, tc.msg)
			}
		})
	}
	if s := e.stock(t, 1); s != 48 {
		t.Fatalf("stock = %d after refused requests, want 48", s)
	}
}

// A customer's governance holds on the orchestrator: an order its
// approval rules match is placed pending approval and answered 202 with
// the pending order and a message, never confirmed and never an error; a
// replay answers the same; its credit limit refuses with 409.
func TestGovernedOrders(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	staff := services.WithPrincipal(ctx, services.Principal{Role: services.RoleStaff, Subject: "staff"})
	if _, err := e.customers.CreateApprovalRule(staff, 2, customers.ApprovalRuleInput{Name: "Large orders",
		MinTotalCents: new(int64(100_000)), ApproverRoles: []string{"approver"}}); err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"customer_id":2,"items":[{"product_id":1,"qty":1}],"idempotency_key":"gov-1"}`)
	for _, attempt := range []string{"first", "replay"} {
		r := e.h.Handle(ctx, body, "", "")
		if r.Status != http.StatusAccepted || !r.Success || r.Data == nil || r.Data.Order.Status != "PENDING_APPROVAL" ||
			r.Message != orchestrator.PendingMessage || r.Error != "" {
			t.Fatalf("%s: %+v", attempt, r)
		}
	}
	if _, err := e.customers.UpdateSettings(staff, 3, customers.SettingsUpdate{CreditLimitCents: new(int64(0))}); err != nil {
		t.Fatal(err)
	}
	r := e.h.Handle(ctx, []byte(`{"customer_id":3,"items":[{"product_id":2,"qty":1}],"idempotency_key":"gov-2"}`), "", "")
	if r.Status != http.StatusConflict || r.Success || !strings.HasPrefix(r.Error, "Credit limit exceeded") {
		t.Fatalf("over the credit limit: %+v", r)
	}
}

func TestGraphDownAndRefused(t *testing.T) {
	e := newEnv(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadURL := "http://" + ln.Addr().String()
	ln.Close() // nothing listens there now
	body := []byte(`{"customer_id":1,"items":[{"product_id":1,"qty":1}],"idempotency_key":"down"}`)

	down := *e.h
	down.Graph = &orchestrator.GraphClient{URL: deadURL, ServiceToken: serviceToken, HTTP: http.DefaultClient, Attempts: 2, Backoff: time.Millisecond}
	if r := down.Handle(t.Context(), body, "c", ""); r.Status != http.StatusServiceUnavailable || r.Error != "Order service unavailable" || r.CorrelationID != "c" {
		t.Fatalf("graph down = %+v", r)
	}

	wrong := *e.h
	wrong.Graph = &orchestrator.GraphClient{URL: e.graph.URL + "/graphql", ServiceToken: "not-the-token", HTTP: e.graph.Client()}
	if r := wrong.Handle(t.Context(), body, "", ""); r.Status != http.StatusUnauthorized {
		t.Fatalf("wrong token = %+v", r)
	}

	// A graph that answers 502 is retried, then reported unavailable.
	calls := 0
	flaky := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		w.WriteHeader(http.StatusBadGateway)
	}))
	defer flaky.Close()
	retry := *e.h
	retry.Graph = &orchestrator.GraphClient{URL: flaky.URL, ServiceToken: serviceToken, HTTP: flaky.Client(), Attempts: 3, Backoff: time.Millisecond}
	if r := retry.Handle(t.Context(), body, "", ""); r.Status != http.StatusServiceUnavailable || calls != 3 {
		t.Fatalf("flaky graph = %+v after %d calls", r, calls)
	}
	// The graph limiting the caller is the caller's 429, not our failure.
	limited := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"errors":[{"message":"Too many requests","extensions":{"code":"RATE_LIMITED"}}],"data":null}`)
	}))
	defer limited.Close()
	slow := *e.h
	slow.Graph = &orchestrator.GraphClient{URL: limited.URL, ServiceToken: serviceToken, HTTP: limited.Client()}
	if r := slow.Handle(t.Context(), body, "", ""); r.Status != http.StatusTooManyRequests || r.Error != "Too many requests" {
		t.Fatalf("rate limited = %+v", r)
	}
	// No order reached the store through any of them.
	if s := e.stock(t, 1); s != 50 {
		t.Fatalf("stock = %d", s)
	}
}

// The wire contract: raw JSON in, raw JSON out, through aws-lambda-go's
// own handler adapter.
func TestInvoke(t *testing.T) {
	e := newEnv(t)
	h := lambda.NewHandler(e.h.HandleEvent)
	out, err := h.Invoke(t.Context(), fixture(t, "apigw-v1.json"))
	if err != nil {
		t.Fatal(err)
	}
	var resp events.APIGatewayProxyResponse
	if err := json.Unmarshal(out, &resp); err != nil || resp.StatusCode != 201 {
		t.Fatalf("invoke = %s, %v", out, err)
	}
	wantBody(t, resp.Body, "")
	out, err = h.Invoke(t.Context(), []byte(`{"customer_id":"one"}`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), `"statusCode":400`) || !strings.Contains(string(out), `"error":"Expected number, received string"`) {
		t.Fatalf("invalid direct invoke = %s", out)
	}
}

// The local HTTP form: the caller's own credential reaches the graph, so a
// customer token orders only for its customer.
func TestLocalHTTP(t *testing.T) {
	e := newEnv(t)
	authn := &auth.Authenticator{Tokens: e.tokens, ServiceToken: serviceToken, Required: true}
	routes := chi.NewRouter()
	e.h.Register(routes)
	local := httptest.NewServer(authn.Middleware(routes))
	defer local.Close()
	post := func(path, token, body string) (int, orchestrator.Response) {
		t.Helper()
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, local.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := local.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var r orchestrator.Response
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatalf("%s: %s", path, b)
		}
		if resp.Header.Get("X-Correlation-ID") != r.CorrelationID {
			t.Fatalf("header and body correlation ids differ: %s", b)
		}
		return resp.StatusCode, r
	}
	order := func(customer, key string) string {
		return `{"customer_id":` + customer + `,"items":[{"product_id":9,"qty":1}],"idempotency_key":"` + key + `"}`
	}
	if st, r := post("/orchestrator/create-and-confirm-order", serviceToken, order("1", "h-1")); st != 201 || !r.Success {
		t.Fatalf("service token: %d %+v", st, r)
	}
	if st, r := post("/dev/orchestrator/create-and-confirm-order", serviceToken, order("1", "h-2")); st != 201 || !r.Success {
		t.Fatalf("/dev path: %d %+v", st, r)
	}
	if st, r := post("/orchestrator/create-and-confirm-order", "", order("1", "h-3")); st != 401 || r.Error == "" {
		t.Fatalf("no credential: %d %+v", st, r)
	}
	cust, err := e.tokens.Issue(services.Principal{Role: services.RoleCustomer, CustomerID: 2}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := post("/orchestrator/create-and-confirm-order", cust, order("2", "h-4")); st != 201 {
		t.Fatalf("customer for itself: %d", st)
	}
	if st, r := post("/orchestrator/create-and-confirm-order", cust, order("1", "h-5")); st != 403 || r.Success {
		t.Fatalf("customer for another: %d %+v", st, r)
	}
	if s := e.stock(t, 9); s != 300-3 {
		t.Fatalf("stock = %d, want 297", s)
	}
}

// The orchestrator's create-and-confirm pays the customer's contract price
// (the graph resolves it in the order's transaction), and a replay answers
// the same price after the list changed.
func TestContractPrices(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	staff := services.WithPrincipal(ctx, services.Principal{Role: services.RoleStaff, Subject: "staff"})
	list := orders.PriceListInput{Name: "Contract", Currency: "USD", CustomerIDs: []int{2},
		Entries: []orders.PriceEntry{{ProductID: 1, MinQty: 1, UnitPriceCents: 1_000}, {ProductID: 1, MinQty: 3, UnitPriceCents: 900}}}
	l, err := e.orders.CreatePriceList(staff, list)
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"customer_id":2,"items":[{"product_id":1,"qty":3}],"idempotency_key":"contract-1"}`)
	r := e.h.Handle(ctx, body, "", "")
	if r.Status != http.StatusCreated || r.Data == nil || r.Data.Order.Items[0].UnitPriceCents != 900 || r.Data.Order.TotalCents != 2_700 {
		t.Fatalf("at the contract price: %+v", r)
	}
	list.Entries = []orders.PriceEntry{{ProductID: 1, MinQty: 1, UnitPriceCents: 500}}
	if _, err := e.orders.ReplacePriceList(staff, l.ID, list); err != nil {
		t.Fatal(err)
	}
	if again := e.h.Handle(ctx, body, "", ""); again.Data == nil || again.Data.Order.ID != r.Data.Order.ID || again.Data.Order.Items[0].UnitPriceCents != 900 {
		t.Fatalf("the replay after the list changed: %+v", again)
	}
}
