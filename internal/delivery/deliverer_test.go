package delivery_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/b2b-orders/platform/db/dbtest"
	"github.com/b2b-orders/platform/internal/app"
	"github.com/b2b-orders/platform/internal/clocktest"
	"github.com/b2b-orders/platform/internal/config"
	"github.com/b2b-orders/platform/internal/delivery"
	"github.com/b2b-orders/platform/services"
	"github.com/b2b-orders/platform/services/customers"
	"github.com/b2b-orders/platform/services/orders"
	"github.com/b2b-orders/platform/services/webhooks"
)

// The signature of the Standard Webhooks specification's test vector.
func TestSignatureTestVector(t *testing.T) {
	wh, err := standardwebhooks.NewWebhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	if err != nil {
		t.Fatal(err)
	}
	sig, err := wh.Sign("msg_p5jXN8AQM9LWM0D4loKWxJek", time.Unix(1614265330, 0), []byte(`{"test": 2432232314}`))
	if err != nil || sig != "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=" {
		t.Fatalf("signature %q, %v", sig, err)
	}
}

func TestRefused(t *testing.T) {
	allow := delivery.Allow{Prefixes: []netip.Prefix{netip.MustParsePrefix("10.1.0.0/16")}}
	for addr, want := range map[string]bool{
		"127.0.0.1": true, "10.0.0.1": true, "172.16.5.4": true, "192.168.1.1": true, "169.254.169.254": true,
		"100.64.0.1": true, "0.0.0.0": true, "224.0.0.1": true, "255.255.255.255": true, "::1": true, "::": true,
		"fe80::1": true, "fd00::1": true, "ff02::1": true, "::ffff:127.0.0.1": true, "64:ff9b::a9fe:a9fe": true,
		"::127.0.0.1": true, "2002:7f00:1::": true, "64:ff9b:1::a00:1": true,
		"93.184.215.14": false, "2606:2800:21f:cb07:6820:80da:af6b:8b2c": false, "10.1.2.3": false,
	} {
		if got := delivery.Refused(netip.MustParseAddr(addr), allow); got != want {
			t.Errorf("%s: refused %v, want %v", addr, got, want)
		}
	}
}

type rig struct {
	clock  *clocktest.Clock
	hooks  *webhooks.Service
	orders *orders.Service
	ctx    context.Context
	cust   int
	prod   int
}

func newRig(t *testing.T) *rig {
	t.Helper()
	store := dbtest.Open(t)
	clk := clocktest.New(time.Now().UTC())
	cfg := config.Config{Webhooks: config.WebhookConfig{
		// A lease of a minute, past any attempt of these tests.
		Timeout: 25 * time.Second,
		Retry:   webhooks.Retry{First: 20 * time.Millisecond, Factor: 2, Max: 50 * time.Millisecond, Period: time.Minute},
	}}
	svc := app.New(app.Options{Config: cfg, Store: store, Roles: app.Roles(), Now: clk.Now}).Services()
	cs, h := svc.Customers, svc.Webhooks
	r := &rig{clock: clk, hooks: h, orders: svc.Orders,
		ctx: services.WithPrincipal(context.Background(), services.Principal{Role: services.RoleAdmin, Subject: "t"})}
	c, err := cs.Create(r.ctx, customers.CreateInput{Name: "C", Email: "c@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := r.orders.CreateProduct(r.ctx, orders.CreateProductInput{SKU: "S", Name: "S", PriceCents: 1, Stock: 100})
	if err != nil {
		t.Fatal(err)
	}
	r.cust, r.prod = c.ID, p.ID
	return r
}

// event places an order and relays its event, which fans it out.
func (r *rig) event(t *testing.T) {
	t.Helper()
	if _, err := r.orders.CreateOrder(r.ctx, orders.CreateOrderInput{CustomerID: r.cust, Lines: []orders.Line{{ProductID: r.prod, Qty: 1}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.orders.RelayEvents(context.Background(), 10, func(_ context.Context, evs []orders.Event) (int, error) { return len(evs), nil }); err != nil {
		t.Fatal(err)
	}
}

// turns runs deliverer turns until nothing is pending or n turns passed.
func (r *rig) turns(t *testing.T, d *delivery.Deliverer, endpoint, n int) webhooks.Delivery {
	t.Helper()
	for range n {
		if _, err := d.Turn(context.Background(), 10); err != nil {
			t.Fatal(err)
		}
		p, err := r.hooks.Deliveries(r.ctx, endpoint, webhooks.ListParams{})
		if err != nil || len(p.Items) != 1 {
			t.Fatalf("deliveries %+v, %v", p, err)
		}
		if p.Items[0].State != webhooks.StatePending {
			return p.Items[0]
		}
		r.clock.Advance(50 * time.Millisecond) // the retry's longest wait
	}
	t.Fatalf("still pending after %d turns", n)
	return webhooks.Delivery{}
}

// A receiver that answers 500 and then 200 gets the event twice, signed
// validly each time under the same webhook-id; the delivery is delivered
// and its log holds both attempts.
func TestDeliverRetryThenSuccess(t *testing.T) {
	r := newRig(t)
	var mu sync.Mutex
	var ids []string
	var answered int
	secret := webhooks.NewSecret()
	verifier, _ := standardwebhooks.NewWebhook(secret)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		if err := verifier.Verify(body, req.Header); err != nil {
			t.Errorf("signature: %v", err)
		}
		mu.Lock()
		defer mu.Unlock()
		ids = append(ids, req.Header.Get("webhook-id"))
		answered++
		if answered == 1 {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	ep, _, err := r.hooks.Create(r.ctx, webhooks.CreateInput{URL: srv.URL + "/hook", Secret: &secret})
	if err != nil {
		t.Fatal(err)
	}
	r.event(t)
	d := &delivery.Deliverer{Hooks: r.hooks, Client: delivery.NewClient(5*time.Second,
		delivery.Allow{Prefixes: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})}
	got := r.turns(t, d, ep.ID, 3)
	if got.State != webhooks.StateDelivered || len(got.Log) != 2 || *got.Log[0].StatusCode != 500 || *got.Log[1].StatusCode != 200 {
		t.Fatalf("delivery %+v", got)
	}
	if len(ids) != 2 || ids[0] != ids[1] || ids[0] != got.EventID {
		t.Fatalf("webhook-ids %v, event %s", ids, got.EventID)
	}
}

// Without the allow-list a loopback receiver is refused at dial time: a
// failed attempt with a clear error, and the receiver never hears of it.
// A redirect is not followed; a slow receiver times out.
func TestDeliverRefusals(t *testing.T) {
	var hits sync.Map
	hang := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		hits.Store(req.URL.Path, true)
		switch req.URL.Path {
		case "/redirect":
			http.Redirect(w, req, "/elsewhere", http.StatusFound)
		case "/slow":
			<-hang // past the client's timeout: until the test ends
		}
	}))
	defer srv.Close()
	defer close(hang)
	loopback := delivery.Allow{Prefixes: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}
	for _, tc := range []struct {
		path  string
		allow delivery.Allow
		want  string
	}{
		{"/guarded", delivery.Allow{}, "refused: the address is private, loopback or link-local"},
		{"/guarded-by-name", delivery.Allow{Hosts: []string{"localhost.invalid"}}, "refused"},
		{"/redirect", loopback, "answered 302: redirects are not followed"},
		{"/slow", loopback, "timed out"},
	} {
		t.Run(strings.TrimPrefix(tc.path, "/"), func(t *testing.T) {
			r := newRig(t)
			ep, _, err := r.hooks.Create(r.ctx, webhooks.CreateInput{URL: srv.URL + tc.path})
			if err != nil {
				t.Fatal(err)
			}
			r.event(t)
			d := &delivery.Deliverer{Hooks: r.hooks, Client: delivery.NewClient(100*time.Millisecond, tc.allow)}
			if _, err := d.Turn(context.Background(), 10); err != nil {
				t.Fatal(err)
			}
			p, _ := r.hooks.Deliveries(r.ctx, ep.ID, webhooks.ListParams{})
			dl := p.Items[0]
			if dl.State != webhooks.StatePending || len(dl.Log) != 1 || dl.Log[0].Error == nil || !strings.Contains(*dl.Log[0].Error, tc.want) {
				t.Fatalf("delivery %+v, log %+v", dl, dl.Log)
			}
			if _, hit := hits.Load(tc.path); hit != (tc.path == "/redirect" || tc.path == "/slow") {
				t.Fatalf("receiver hit: %v", hit)
			}
			if _, hit := hits.Load("/elsewhere"); hit {
				t.Fatal("redirect followed")
			}
		})
	}
}

// A host name on the allow-list skips the address check for that name.
func TestAllowHostName(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	url := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
	c := delivery.NewClient(time.Second, delivery.Allow{Hosts: []string{"LOCALHOST"}})
	resp, err := c.Post(url, "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	_, err = delivery.NewClient(time.Second, delivery.Allow{}).Post(url, "application/json", strings.NewReader("{}"))
	if !errors.Is(err, delivery.ErrRefusedAddress) {
		t.Fatalf("not refused: %v", err)
	}
}

// A turn claims no more attempts than it sends at once, so that no claim
// waits out its lease for a free worker; and a deliverer stopped while a
// receiver has not answered records no failure against it: the claim
// lapses and the attempt is made again.
func TestTurnClaimsWhatItSendsAndStopsCleanly(t *testing.T) {
	r := newRig(t)
	arrived := make(chan struct{}, 10)
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		arrived <- struct{}{}
		<-release
	}))
	defer srv.Close()
	defer close(release)
	e, _, err := r.hooks.Create(r.ctx, webhooks.CreateInput{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		r.event(t)
	}
	d := &delivery.Deliverer{Hooks: r.hooks, Workers: 2, Client: delivery.NewClient(5*time.Second,
		delivery.Allow{Prefixes: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})}
	ctx, cancel := context.WithCancel(context.Background())
	type turn struct {
		n   int
		err error
	}
	done := make(chan turn)
	go func() {
		n, err := d.Turn(ctx, 20)
		done <- turn{n, err}
	}()
	<-arrived
	<-arrived
	cancel() // stopped while both receivers are still answering
	got := <-done
	if got.n != 2 {
		t.Fatalf("one turn claimed %d attempts with 2 workers, want 2 (%v)", got.n, got.err)
	}
	p, err := r.hooks.Deliveries(r.ctx, e.ID, webhooks.ListParams{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	for _, dl := range p.Items {
		if len(dl.Log) != 0 || dl.LastError != nil {
			t.Fatalf("delivery %d: %d attempts recorded, last error %v, after a stop mid-send", dl.ID, len(dl.Log), dl.LastError)
		}
	}
}
