package systest

import (
	"net/http"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/b2b-orders/platform/auth"
	"github.com/b2b-orders/platform/internal/servetest"
)

// Every transport as strict as the REST routes, through the real binary:
// writes take JSON bodies only (what a web page can send across sites is
// refused and changes nothing), a token whose dates are strings is
// refused, a correlation id with a control character is neither kept nor
// echoed, and the orchestrator serves its OpenAPI document.
func TestTransportsAreStrictThroughTheBinary(t *testing.T) {
	bin := servetest.Build(t)
	env := []string{"B2B_DATA_DIR=" + t.TempDir(), "JWT_SECRET=" + smokeJWTSecret, "SERVICE_TOKEN=" + smokeServiceToken, "AUTH_REQUIRED=false"}
	p := servetest.Start(t, bin, env, []string{"customers", "orders", "orchestrator", "graph"},
		"--port", "customers=0", "--port", "orders=0", "--port", "orchestrator=0", "--port", "graph=0")

	send := func(method, url, contentType, body string, header http.Header) (int, string, http.Header) {
		t.Helper()
		req, err := http.NewRequest(method, url, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		for k, v := range header {
			req.Header[k] = v
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b strings.Builder
		buf := make([]byte, 4096)
		for {
			n, err := resp.Body.Read(buf)
			b.Write(buf[:n])
			if err != nil {
				break
			}
		}
		return resp.StatusCode, b.String(), resp.Header
	}
	orders := func() string {
		_, body, _ := send("GET", p.URL("orders", "/api/v1/orders?limit=100"), "", "", nil)
		return body
	}
	before := orders()
	// With AUTH_REQUIRED=false nothing but the content type stands between
	// a page and these writes.
	order := `{"customer_id":1,"items":[{"product_id":1,"qty":1}],"idempotency_key":"csrf-1"}`
	for _, tc := range []struct{ url, contentType, body string }{
		{p.URL("orders", "/api/v1/orders"), "text/plain", order},
		{p.URL("orders", "/api/v1/orders"), "application/x-www-form-urlencoded", "customer_id=1"},
		{p.URL("customers", "/api/v1/customers"), "multipart/form-data; boundary=x", "--x--"},
		{p.URL("orchestrator", "/orchestrator/create-and-confirm-order"), "text/plain", order},
		{p.URL("orchestrator", "/orchestrator/create-and-confirm-order"), "", order},
		{p.URL("graph", "/graphql"), "text/plain", `{"query":"mutation { cancelOrder(id: \"2\") { id } }"}`},
	} {
		if status, body, _ := send("POST", tc.url, tc.contentType, tc.body, nil); status != http.StatusUnsupportedMediaType ||
			!strings.Contains(body, "Content-Type must be application/json") {
			t.Errorf("%s as %q: %d %s", tc.url, tc.contentType, status, body)
		}
	}
	if after := orders(); after != before {
		t.Errorf("refused writes changed the orders:\nbefore %s\nafter  %s", before, after)
	}

	// A correctly signed token whose exp is a string.
	claims := jwt.MapClaims{"iss": auth.DefaultIssuer, "aud": auth.DefaultAudience, "sub": "x", "role": "admin", "exp": "9999999999"}
	forged, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(smokeJWTSecret))
	if err != nil {
		t.Fatal(err)
	}
	if status, body, _ := send("GET", p.URL("orders", "/api/v1/orders"), "", "", http.Header{"Authorization": {"Bearer " + forged}}); status != http.StatusUnauthorized {
		t.Errorf("exp as a string: %d %s", status, body)
	}

	// A correlation id with a tab, in the header: not echoed; the
	// orchestrator makes its own.
	_, body, h := send("POST", p.URL("orchestrator", "/orchestrator/create-and-confirm-order"), "application/json", order,
		http.Header{"X-Correlation-Id": {"a\tb"}})
	if got := h.Get("X-Correlation-ID"); got == "" || strings.ContainsRune(got, '\t') || strings.Contains(body, `"a\tb"`) {
		t.Errorf("correlation id with a tab: header %q, body %s", got, body)
	}
	if _, _, h := send("GET", p.URL("orders", "/api/v1/orders/1"), "", "", http.Header{"X-Correlation-Id": {"a\tb"}}); h.Get("X-Correlation-ID") != "" {
		t.Errorf("the orders role echoed %q", h.Get("X-Correlation-ID"))
	}

	// The orchestrator's document.
	status, doc, h := send("GET", p.URL("orchestrator", "/api/v1/openapi.json"), "", "", nil)
	if status != 200 || h.Get("Content-Type") != "application/json" || !strings.Contains(doc, `"createAndConfirmOrder"`) {
		t.Errorf("orchestrator document: %d %s", status, doc[:min(len(doc), 200)])
	}
}
