package orchestrator_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/b2b-orders/platform/auth"
	"github.com/b2b-orders/platform/db/dbtest"
	"github.com/b2b-orders/platform/lambda/orchestrator"
)

// requestSeeds are bodies both fuzz targets start from.
var requestSeeds = []string{
	`{"customer_id":1,"items":[{"product_id":2,"qty":3}],"idempotency_key":"k","correlation_id":"c"}`,
	`{"customer_id":1,"items":[{"product_id":2,"qty":3},{"product_id":2,"qty":1}],"idempotency_key":"k2"}`,
	`{"customer_id":1,"items":[{"product_id":1,"qty":1000000}],"idempotency_key":"big"}`,
	`{"customer_id":2147483647,"items":[{"product_id":2147483647,"qty":2147483647}],"idempotency_key":"max"}`,
	`{"customer_id":2147483648,"items":[{"product_id":1,"qty":1}],"idempotency_key":"over"}`,
	`{"customer_id":1e309,"items":[{"product_id":1,"qty":1}],"idempotency_key":"inf"}`,
	`{"customer_id":1.0,"items":[{"product_id":1,"qty":-0}],"idempotency_key":"negzero"}`,
	`{"customer_id":1,"items":[{"product_id":1,"qty":1}],"idempotency_key":"\u0000\ud800"}`,
	`{"customer_id":1,"items":[{"product_id":1,"qty":1}],"idempotency_key":"k","correlation_id":"\n{\"level\":\"ERROR\"}"}`,
	`{"customer_id":1,"customer_id":2,"items":[{"product_id":1,"qty":1}],"idempotency_key":"dup"}`,
	`{"customer_id":1,"items":[null],"idempotency_key":"k"}`,
	`{"customer_id":1,"items":[[]],"idempotency_key":"k"}`,
	`{"customer_id":1,"items":"x"}`,
	`{"correlation_id":null}`,
	`{}`, `[]`, `null`, `1`, `"s"`, ``, `{`, `{"a":1}{"b":2}`,
}

// FuzzParseRequest checks the parser alone, fast: it never panics, and
// what it accepts is a request the graph can carry.
func FuzzParseRequest(f *testing.F) {
	for _, s := range requestSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := orchestrator.ParseRequest(body)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an error without a message")
			}
			return
		}
		if r.CustomerID < 1 || r.CustomerID > math.MaxInt32 || len(r.Items) == 0 || r.IdempotencyKey == "" {
			t.Fatalf("accepted %+v from %q", r, body)
		}
		for _, it := range r.Items {
			if it.ProductID < 1 || it.ProductID > math.MaxInt32 || it.Qty < 1 || it.Qty > math.MaxInt32 {
				t.Fatalf("accepted item %+v from %q", it, body)
			}
		}
	})
}

// FuzzLocalHTTP sends fuzzed bodies through the local HTTP form, behind
// the authentication middleware, to a real combined graph over one store:
// no 5xx (the graph is up, so 502 or 503 would mean it answered something
// the orchestrator could not read), the orchestrator's envelope with a
// correlation id in body and header, and nothing logged at level ERROR by
// the orchestrator or the graph.
func FuzzLocalHTTP(f *testing.F) {
	store := dbtest.Open(f)
	if _, err := store.Seed(f.Context()); err != nil {
		f.Fatal(err)
	}
	tokens := &auth.Tokens{Secret: []byte(testSecret)}
	authn := &auth.Authenticator{Tokens: tokens, ServiceToken: serviceToken, Required: true}
	logs := &lockedBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	a, graphRole := graphApp(f, store, log)
	gsrv := httptest.NewServer(a.Handler(graphRole))
	f.Cleanup(gsrv.Close)
	h := &orchestrator.Handler{
		Graph:  &orchestrator.GraphClient{URL: gsrv.URL + "/graphql", ServiceToken: serviceToken, HTTP: gsrv.Client(), Attempts: 1, Backoff: time.Millisecond},
		Logger: log,
	}
	routes := chi.NewRouter()
	h.Register(routes)
	local := authn.Middleware(routes)

	for _, s := range requestSeeds {
		f.Add(s, "")
	}
	f.Add(requestSeeds[0], "corr-1")
	f.Add(`{"customer_id":1,"items":[{"product_id":9,"qty":1}],"idempotency_key":"hdr"}`, "header-id")
	f.Fuzz(func(t *testing.T, body, correlationID string) {
		req := httptest.NewRequest(http.MethodPost, "/orchestrator/create-and-confirm-order", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+serviceToken)
		req.Header.Set("Content-Type", "application/json")
		if correlationID != "" {
			if !validHeaderValue(correlationID) {
				t.Skip("not a header value net/http would pass on")
			}
			req.Header.Set("X-Correlation-ID", correlationID)
		}
		rec := httptest.NewRecorder()
		local.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%d %s\nlogs:\n%s", rec.Code, rec.Body, logs.take())
		}
		if l := logs.take(); l != "" {
			t.Fatalf("%d %s, and logged:\n%s", rec.Code, rec.Body, l)
		}
		var r struct {
			Success       *bool            `json:"success"`
			CorrelationID *string          `json:"correlationId"`
			Data          *json.RawMessage `json:"data"`
			Error         *string          `json:"error"`
		}
		dec := json.NewDecoder(bytes.NewReader(rec.Body.Bytes()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&r); err != nil || r.Success == nil || r.CorrelationID == nil || *r.CorrelationID == "" {
			t.Fatalf("%d: not an orchestrator answer (%v): %s", rec.Code, err, rec.Body)
		}
		if rec.Header().Get("X-Correlation-ID") != *r.CorrelationID {
			t.Fatalf("header %q and body %q correlation ids differ", rec.Header().Get("X-Correlation-ID"), *r.CorrelationID)
		}
		switch {
		case rec.Code == http.StatusCreated:
			if !*r.Success || r.Data == nil || r.Error != nil {
				t.Fatalf("201 that is no success: %s", rec.Body)
			}
		case rec.Code >= 400 && rec.Code < 500:
			if *r.Success || r.Data != nil || r.Error == nil || *r.Error == "" {
				t.Fatalf("%d that is no failure: %s", rec.Code, rec.Body)
			}
		default:
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	})
}

func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// lockedBuffer keeps log lines, safe for the handlers and the test.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// take returns what was logged since the last call.
func (b *lockedBuffer) take() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.buf.String()
	b.buf.Reset()
	return s
}

var _ io.Writer = (*lockedBuffer)(nil)
