package rest_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/b2b-orders/platform/internal/directory"
	"github.com/b2b-orders/platform/services"
)

// httpCustomers serves e's customers role over loopback HTTP and returns
// where the orders role finds it in split mode, and with which token.
func httpCustomers(e *env) (base, token string) {
	// e.customers is built after the orders service; requests come later.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { e.customers.ServeHTTP(w, r) }))
	e.cleanups = append(e.cleanups, srv.Close)
	return srv.URL + "/", testServiceToken
}

// A directory that cannot answer is an internal error, never "Customer
// not found": a wrong token, a base URL that points elsewhere (another
// service's 404, or the customers role's own router's), a server that is
// down.
func TestCustomerClientFailures(t *testing.T) {
	t.Parallel()
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"success":false,"error":"Endpoint not found"}`))
	}))
	t.Cleanup(elsewhere.Close)
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()

	for name, at := range map[string]func(e *env) (string, string){
		"wrong token": func(e *env) (string, string) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { e.customers.ServeHTTP(w, r) }))
			e.cleanups = append(e.cleanups, srv.Close)
			return srv.URL, "wrong"
		},
		// The customers role itself, at a base with a path of its own: its
		// router answers 404 "Endpoint not found", not the route.
		"base with a path": func(e *env) (string, string) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { e.customers.ServeHTTP(w, r) }))
			e.cleanups = append(e.cleanups, srv.Close)
			return srv.URL + "/customers", testServiceToken
		},
		"base points elsewhere": func(*env) (string, string) {
			return elsewhere.URL, testServiceToken
		},
		"server down": func(*env) (string, string) {
			return down.URL, testServiceToken
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newEnvWith(t, envOptions{authRequired: true, customersAt: at})
			r := e.do(t, post(ordersURL, order1Line))
			// A customers role that does not answer is an outage (503);
			// one that answers wrongly is our misconfiguration (500).
			want, msg := http.StatusInternalServerError, "Internal server error"
			if name == "server down" {
				want, msg = http.StatusServiceUnavailable, "Service temporarily unavailable"
			}
			if r.status != want || errorMessage(t, r.body) != msg {
				t.Fatalf("%d %s", r.status, r.body)
			}
			if s := e.stock(t, 2); s != 200 {
				t.Fatalf("stock taken: %d", s)
			}
		})
	}
}

// Live answers for several ids through the internal route, as the
// customers service answers in one process: the live ones, each once.
func TestCustomerClientLive(t *testing.T) {
	e := newEnvWith(t, envOptions{authRequired: true})
	base, token := httpCustomers(e)
	client := &directory.Client{Base: base, ServiceToken: token}
	admin := services.WithPrincipal(t.Context(), services.Principal{Role: services.RoleAdmin, Subject: "test"})
	if err := e.custSvc.Delete(admin, 2); err != nil {
		t.Fatal(err)
	}
	ids := []int{1, 2, 999, 1, 3}
	got, err := client.Live(t.Context(), ids)
	if err != nil {
		t.Fatal(err)
	}
	want, err := e.custSvc.Live(t.Context(), ids)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(want)
	if !slices.Equal(got, []int{1, 3}) || !slices.Equal(want, []int{1, 3}) {
		t.Fatalf("over HTTP %v, in process %v; want [1 3]", got, want)
	}
}
