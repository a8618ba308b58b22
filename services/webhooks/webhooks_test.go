package webhooks_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/b2b-orders/platform/db/dbtest"
	"github.com/b2b-orders/platform/services"
	"github.com/b2b-orders/platform/services/customers"
	"github.com/b2b-orders/platform/services/internal/servicetest"
	"github.com/b2b-orders/platform/services/orders"
	"github.com/b2b-orders/platform/services/webhooks"
)

var start = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// testRetry: waits of at most 1, 2, 4, 8, then 10 s, for one minute.
var testRetry = webhooks.Retry{First: time.Second, Factor: 2, Max: 10 * time.Second, Period: time.Minute}

type fixture struct {
	clock    *servicetest.Clock
	hooks    *webhooks.Service
	orders   *orders.Service
	customer int
	product  int
	ctx      context.Context
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	store := dbtest.Open(t)
	clock := servicetest.NewClock(start)
	cs := customers.New(store, customers.Config{Now: clock.Now})
	hooks := webhooks.New(store, webhooks.Config{Now: clock.Now, Retry: testRetry, Lease: 30 * time.Second})
	f := &fixture{clock: clock, hooks: hooks, ctx: servicetest.Admin(),
		orders: orders.New(store, cs, orders.Config{Now: clock.Now, LiveCustomerInInsert: true, Relayed: hooks.FanOut})}
	c, err := cs.Create(f.ctx, customers.CreateInput{Name: "Hooked", Email: "hooks@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := f.orders.CreateProduct(f.ctx, orders.CreateProductInput{SKU: "HK", Name: "Hook", PriceCents: 100, Stock: 1000})
	if err != nil {
		t.Fatal(err)
	}
	f.customer, f.product = c.ID, p.ID
	return f
}

// order places an order (one order.created event) and, with confirm, confirms it.
func (f *fixture) order(t *testing.T, confirm bool) {
	t.Helper()
	o, err := f.orders.CreateOrder(f.ctx, orders.CreateOrderInput{CustomerID: f.customer, Lines: []orders.Line{{ProductID: f.product, Qty: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	if confirm {
		if _, err := f.orders.ConfirmOrder(f.ctx, o.ID, fmt.Sprint("k", o.ID)); err != nil {
			t.Fatal(err)
		}
	}
}

// relay publishes every waiting event, which fans them out.
func (f *fixture) relay(t *testing.T) {
	t.Helper()
	for {
		n, err := f.orders.RelayEvents(context.Background(), 50, func(_ context.Context, evs []orders.Event) (int, error) { return len(evs), nil })
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
}

func (f *fixture) create(t *testing.T, in webhooks.CreateInput) webhooks.Endpoint {
	t.Helper()
	e, _, err := f.hooks.Create(f.ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func wantErr(t *testing.T, err error, kind services.Kind, msg string) {
	t.Helper()
	var se *services.Error
	if !errors.As(err, &se) || se.Kind != kind || se.Message != msg {
		t.Fatalf("error = %v, want %v %q", err, kind, msg)
	}
}

const goodSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

func TestEndpoints(t *testing.T) {
	f := newFixture(t)
	e, secret, err := f.hooks.Create(f.ctx, webhooks.CreateInput{URL: "https://erp.example.com/hooks", EventTypes: []string{"order.created", "order.created"}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, "whsec_") || len(secret) != len("whsec_")+44 {
		t.Fatalf("generated secret %q", secret)
	}
	if !e.Enabled || len(e.EventTypes) != 1 || !e.CreatedAt.Equal(start) {
		t.Fatalf("created %+v", e)
	}
	_, given, err := f.hooks.Create(f.ctx, webhooks.CreateInput{URL: "http://wh.example.com", Secret: new(goodSecret)})
	if err != nil || given != goodSecret {
		t.Fatalf("given secret: %q, %v", given, err)
	}
	page, err := f.hooks.List(f.ctx, webhooks.ListParams{Limit: 1})
	if err != nil || len(page.Items) != 1 || !page.HasMore || page.Items[0].ID != e.ID {
		t.Fatalf("list: %+v, %v", page, err)
	}
	got, err := f.hooks.Update(f.ctx, e.ID, webhooks.UpdateInput{URL: new("https://erp.example.com/v2"), EventTypes: &[]string{}})
	if err != nil || got.URL != "https://erp.example.com/v2" || len(got.EventTypes) != 0 {
		t.Fatalf("update: %+v, %v", got, err)
	}
	if got, err = f.hooks.Update(f.ctx, e.ID, webhooks.UpdateInput{Enabled: new(false)}); err != nil || got.Enabled || got.DisabledAt == nil || *got.DisabledReason != "disabled by an admin" {
		t.Fatalf("disable: %+v, %v", got, err)
	}
	if got, err = f.hooks.Update(f.ctx, e.ID, webhooks.UpdateInput{Enabled: new(true)}); err != nil || !got.Enabled || got.DisabledAt != nil {
		t.Fatalf("enable: %+v, %v", got, err)
	}
	if err := f.hooks.Delete(f.ctx, e.ID); err != nil {
		t.Fatal(err)
	}
	_, err = f.hooks.Get(f.ctx, e.ID)
	wantErr(t, err, services.NotFound, webhooks.MsgNotFound)
	wantErr(t, f.hooks.Delete(f.ctx, e.ID), services.NotFound, webhooks.MsgNotFound)
}

func TestEndpointValidation(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		in  webhooks.CreateInput
		msg string
	}{
		{webhooks.CreateInput{URL: "ftp://x.example.com"}, webhooks.MsgURL},
		{webhooks.CreateInput{URL: "/relative"}, webhooks.MsgURL},
		{webhooks.CreateInput{URL: "https://user:pw@x.example.com/"}, webhooks.MsgURL},
		{webhooks.CreateInput{URL: "https://"}, webhooks.MsgURL},
		{webhooks.CreateInput{URL: "https://x.example.com/" + strings.Repeat("a", 2048)}, webhooks.MsgURLLong},
		{webhooks.CreateInput{URL: "https://x.example.com", Secret: new("secret")}, webhooks.MsgSecret},
		{webhooks.CreateInput{URL: "https://x.example.com", Secret: new("whsec_!!")}, webhooks.MsgSecret},
		{webhooks.CreateInput{URL: "https://x.example.com", Secret: new("whsec_c2hvcnQ=")}, webhooks.MsgSecret},
		{webhooks.CreateInput{URL: "https://x.example.com", EventTypes: []string{"order.shipped"}}, webhooks.MsgUnknownEventType("order.shipped")},
	} {
		_, _, err := f.hooks.Create(f.ctx, tc.in)
		wantErr(t, err, services.Invalid, tc.msg)
	}
	_, err := f.hooks.Update(f.ctx, 1, webhooks.UpdateInput{})
	wantErr(t, err, services.Invalid, webhooks.MsgNothingToUpdate)
	_, err = f.hooks.Get(f.ctx, 0)
	wantErr(t, err, services.Invalid, webhooks.MsgInvalidWebhookID)
}

// Admins and staff manage endpoints; customers, services and anonymous
// callers (even on open routes) may not.
func TestEndpointsAuthorization(t *testing.T) {
	f := newFixture(t)
	in := webhooks.CreateInput{URL: "https://x.example.com"}
	if _, _, err := f.hooks.Create(servicetest.As(services.RoleStaff, 0), in); err != nil {
		t.Fatal(err)
	}
	for _, ctx := range []context.Context{servicetest.As(services.RoleCustomer, f.customer), servicetest.As(services.RoleService, 0),
		services.WithPrincipal(context.Background(), services.Anonymous)} {
		_, _, err := f.hooks.Create(ctx, in)
		wantErr(t, err, services.PermissionDenied, "Permission denied")
		_, err = f.hooks.List(ctx, webhooks.ListParams{})
		wantErr(t, err, services.PermissionDenied, "Permission denied")
	}
	_, err := f.hooks.List(context.Background(), webhooks.ListParams{})
	wantErr(t, err, services.Unauthenticated, "Authentication required")
}

// Publishing an event writes one delivery per enabled endpoint that wants
// its type, once, however often the relay runs.
func TestFanOut(t *testing.T) {
	f := newFixture(t)
	all := f.create(t, webhooks.CreateInput{URL: "https://all.example.com"})
	confirmed := f.create(t, webhooks.CreateInput{URL: "https://c.example.com", EventTypes: []string{orders.EventConfirmed}})
	off := f.create(t, webhooks.CreateInput{URL: "https://off.example.com"})
	if _, err := f.hooks.Update(f.ctx, off.ID, webhooks.UpdateInput{Enabled: new(false)}); err != nil {
		t.Fatal(err)
	}
	f.order(t, true)
	f.order(t, false)
	f.relay(t)
	f.relay(t)
	count := func(id int) int {
		p, err := f.hooks.Deliveries(f.ctx, id, webhooks.ListParams{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		return len(p.Items)
	}
	if a, c, o := count(all.ID), count(confirmed.ID), count(off.ID); a != 3 || c != 1 || o != 0 {
		t.Fatalf("deliveries: all %d (want 3), confirmed %d (want 1), disabled %d (want 0)", a, c, o)
	}
	jobs, err := f.hooks.Claim(context.Background(), 10)
	if err != nil || len(jobs) != 4 {
		t.Fatalf("claim: %d jobs, %v", len(jobs), err)
	}
	for _, j := range jobs {
		if j.Attempt != 1 || len(j.Payload) == 0 || !strings.Contains(string(j.Payload), j.EventID) {
			t.Fatalf("job %+v", j)
		}
	}
	// Claimed: nothing is due until the lease ends.
	if again, err := f.hooks.Claim(context.Background(), 10); err != nil || len(again) != 0 {
		t.Fatalf("claimed twice: %d, %v", len(again), err)
	}
	f.clock.Advance(31 * time.Second)
	if again, err := f.hooks.Claim(context.Background(), 10); err != nil || len(again) != 4 || again[0].Attempt != 2 {
		t.Fatalf("after the lease: %d, %v", len(again), err)
	}
}

// Many claimants at once: each due attempt goes to exactly one of them.
func TestClaimOnce(t *testing.T) {
	f := newFixture(t)
	f.create(t, webhooks.CreateInput{URL: "https://a.example.com"})
	f.create(t, webhooks.CreateInput{URL: "https://b.example.com"})
	for range 10 {
		f.order(t, true)
	}
	f.relay(t)
	var mu sync.Mutex
	seen := map[int]int{}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				jobs, err := f.hooks.Claim(context.Background(), 3)
				if err != nil {
					t.Error(err)
					return
				}
				if len(jobs) == 0 {
					return
				}
				mu.Lock()
				for _, j := range jobs {
					seen[j.DeliveryID]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(seen) != 40 {
		t.Fatalf("%d deliveries claimed, want 40 (20 events × 2 endpoints)", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("delivery %d claimed %d times", id, n)
		}
	}
}

// A failed attempt is retried within the schedule's ceiling; a success
// delivers and clears the endpoint's failure record; the log keeps both.
func TestRetryThenDeliver(t *testing.T) {
	f := newFixture(t)
	e := f.create(t, webhooks.CreateInput{URL: "https://a.example.com"})
	f.order(t, false)
	f.relay(t)
	jobs, _ := f.hooks.Claim(context.Background(), 10)
	out, err := f.hooks.Record(context.Background(), jobs[0], webhooks.Result{StatusCode: 500, Duration: 12 * time.Millisecond})
	if err != nil || out.State != webhooks.StatePending || out.NextAttemptAt.After(start.Add(testRetry.First)) {
		t.Fatalf("after a 500: %+v, %v", out, err)
	}
	if ep, _ := f.hooks.Get(f.ctx, e.ID); ep.FailingSince == nil || !ep.FailingSince.Equal(start) {
		t.Fatalf("failing since %v", ep.FailingSince)
	}
	// A second record of the same attempt is stale: the claim was used.
	if out, err := f.hooks.Record(context.Background(), jobs[0], webhooks.Result{StatusCode: 200}); err != nil || !out.Stale {
		t.Fatalf("recorded twice: %+v, %v", out, err)
	}
	f.clock.Advance(testRetry.First)
	jobs, _ = f.hooks.Claim(context.Background(), 10)
	if len(jobs) != 1 || jobs[0].Attempt != 2 {
		t.Fatalf("retry: %+v", jobs)
	}
	if out, err := f.hooks.Record(context.Background(), jobs[0], webhooks.Result{StatusCode: 204}); err != nil || out.State != webhooks.StateDelivered {
		t.Fatalf("after a 204: %+v, %v", out, err)
	}
	ep, _ := f.hooks.Get(f.ctx, e.ID)
	if ep.FailingSince != nil || !ep.Enabled {
		t.Fatalf("after success: %+v", ep)
	}
	p, err := f.hooks.Deliveries(f.ctx, e.ID, webhooks.ListParams{})
	if err != nil || len(p.Items) != 1 {
		t.Fatal(p, err)
	}
	d := p.Items[0]
	if d.State != webhooks.StateDelivered || d.Attempts != 2 || len(d.Log) != 2 || *d.Log[0].StatusCode != 500 || *d.Log[1].StatusCode != 204 ||
		d.Log[0].Duration != 12*time.Millisecond || d.NextAttemptAt != nil || d.DeliveredAt == nil {
		t.Fatalf("delivery %+v", d)
	}
}

// Retries never wait longer than the ceiling of their attempt, which grows
// by Factor up to Max.
func TestRetryCeilings(t *testing.T) {
	want := []time.Duration{5 * time.Second, 20 * time.Second, 80 * time.Second, 320 * time.Second, 1280 * time.Second}
	for i, w := range want {
		if got := webhooks.DefaultRetry.Ceiling(i + 1); got != w {
			t.Errorf("ceiling %d: %v, want %v", i+1, got, w)
		}
	}
	if got := webhooks.DefaultRetry.Ceiling(40); got != 10*time.Hour {
		t.Errorf("ceiling 40: %v", got)
	}
}

// An endpoint that fails for the whole period is disabled, and its pending
// deliveries fail with it; its deliveries stop at the period's end.
func TestDisableAfterPeriod(t *testing.T) {
	f := newFixture(t)
	e := f.create(t, webhooks.CreateInput{URL: "https://down.example.com"})
	f.order(t, true)
	f.relay(t)
	disabled := false
	for step := 0; step < 1000 && !disabled; step++ {
		jobs, err := f.hooks.Claim(context.Background(), 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, j := range jobs {
			out, err := f.hooks.Record(context.Background(), j, webhooks.Result{Err: "dial tcp: connection refused"})
			if err != nil {
				t.Fatal(err)
			}
			if out.Disabled {
				disabled = true
				if !out.FailingSince.Equal(start) {
					t.Fatalf("failing since %v", out.FailingSince)
				}
			}
		}
		f.clock.Advance(500 * time.Millisecond)
	}
	if !disabled {
		t.Fatal("never disabled")
	}
	if elapsed := f.clock.Now().Sub(start); elapsed < testRetry.Period || elapsed > testRetry.Period+time.Second {
		t.Fatalf("disabled after %v, want the period (%v)", elapsed, testRetry.Period)
	}
	ep, _ := f.hooks.Get(f.ctx, e.ID)
	if ep.Enabled || ep.DisabledAt == nil || ep.DisabledReason == nil || !strings.Contains(*ep.DisabledReason, "longer than 1m0s") {
		t.Fatalf("endpoint %+v", ep)
	}
	p, _ := f.hooks.Deliveries(f.ctx, e.ID, webhooks.ListParams{})
	for _, d := range p.Items {
		if d.State != webhooks.StateFailed || *d.LastError == "" {
			t.Fatalf("delivery %+v", d)
		}
	}
	// Disabled: new events are not fanned out to it.
	f.order(t, false)
	f.relay(t)
	if p2, _ := f.hooks.Deliveries(f.ctx, e.ID, webhooks.ListParams{}); len(p2.Items) != len(p.Items) {
		t.Fatalf("a disabled endpoint got deliveries")
	}
}

// Two relays at once (replicas): each event fans out once.
func TestFanOutWithTwoRelays(t *testing.T) {
	f := newFixture(t)
	e := f.create(t, webhooks.CreateInput{URL: "https://a.example.com"})
	for range 15 {
		f.order(t, true)
	}
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			for {
				n, err := f.orders.RelayEvents(context.Background(), 4, func(_ context.Context, evs []orders.Event) (int, error) { return len(evs), nil })
				if err != nil {
					t.Error(err)
					return
				}
				if n == 0 {
					return
				}
			}
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	after := 0
	for {
		p, err := f.hooks.Deliveries(f.ctx, e.ID, webhooks.ListParams{After: after, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range p.Items {
			if seen[d.EventID] {
				t.Fatalf("event %s delivered twice", d.EventID)
			}
			seen[d.EventID] = true
			after = d.ID
		}
		if !p.HasMore {
			break
		}
	}
	if len(seen) != 30 {
		t.Fatalf("%d deliveries, want 30", len(seen))
	}
}

// The deliverer is nudged after a relay batch commits deliveries, and only
// then: batches with no endpoint to fan out to, or that mark nothing
// published, nudge nobody.
func TestFannedOutNudgesAfterCommit(t *testing.T) {
	store := dbtest.Open(t)
	clock := servicetest.NewClock(start)
	cs := customers.New(store, customers.Config{Now: clock.Now})
	var nudges atomic.Int32
	hooks := webhooks.New(store, webhooks.Config{Now: clock.Now, Retry: testRetry, FannedOut: func() { nudges.Add(1) }})
	f := &fixture{clock: clock, hooks: hooks, ctx: servicetest.Admin(),
		orders: orders.New(store, cs, orders.Config{Now: clock.Now, LiveCustomerInInsert: true, Relayed: hooks.FanOut})}
	c, err := cs.Create(f.ctx, customers.CreateInput{Name: "Nudged", Email: "nudge@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := f.orders.CreateProduct(f.ctx, orders.CreateProductInput{SKU: "NG", Name: "Nudge", PriceCents: 100, Stock: 100})
	if err != nil {
		t.Fatal(err)
	}
	f.customer, f.product = c.ID, p.ID

	f.order(t, false)
	f.relay(t)
	if n := nudges.Load(); n != 0 {
		t.Fatalf("%d nudges for a batch with no endpoint", n)
	}
	f.create(t, webhooks.CreateInput{URL: "https://all.example.com"})
	f.order(t, false)
	// A publish that reports nothing published marks nothing: no nudge.
	if _, err := f.orders.RelayEvents(context.Background(), 50, func(context.Context, []orders.Event) (int, error) { return 0, nil }); err != nil {
		t.Fatal(err)
	}
	if n := nudges.Load(); n != 0 {
		t.Fatalf("%d nudges before anything was fanned out", n)
	}
	f.relay(t)
	if n := nudges.Load(); n != 1 {
		t.Fatalf("%d nudges after one batch fanned out, want 1", n)
	}
}

// A receiver shapes the error text an attempt records (its status line,
// say): multi-byte or invalid text longer than the column is cut to the
// column's bytes, and the attempt is recorded like any other failure.
func TestRecordLongReceiverError(t *testing.T) {
	f := newFixture(t)
	f.create(t, webhooks.CreateInput{URL: "https://long.example.com"})
	f.order(t, false)
	f.relay(t)
	jobs, err := f.hooks.Claim(context.Background(), 10)
	if err != nil || len(jobs) != 1 {
		t.Fatalf("claim: %d, %v", len(jobs), err)
	}
	long := "answered 299 " + strings.Repeat("é", 900) + "\xff\xfe"
	out, err := f.hooks.Record(context.Background(), jobs[0], webhooks.Result{StatusCode: 299, Err: long})
	if err != nil || out.Stale {
		t.Fatalf("record: %+v, %v", out, err)
	}
	ds, err := f.hooks.Deliveries(f.ctx, jobs[0].EndpointID, webhooks.ListParams{Limit: 10})
	if err != nil || len(ds.Items) != 1 || ds.Items[0].LastError == nil {
		t.Fatalf("deliveries: %+v, %v", ds, err)
	}
	if e := *ds.Items[0].LastError; len(e) > 1000 || !utf8.ValidString(e) || !strings.HasPrefix(e, "answered 299 é") {
		t.Fatalf("last error: %d bytes, valid %v", len(e), utf8.ValidString(e))
	}
}

// A secret is base64's alphabet after its prefix: line breaks, which the
// decoder would skip, are refused rather than stored past the column.
func TestSecretWithLineBreaks(t *testing.T) {
	f := newFixture(t)
	_, _, err := f.hooks.Create(f.ctx, webhooks.CreateInput{URL: "https://nl.example.com", Secret: new("whsec_" + strings.Repeat("\n", 200) + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")})
	wantErr(t, err, services.Invalid, webhooks.MsgSecret)
}
