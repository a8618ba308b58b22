package graph_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/b2b-orders/platform/auth"
	"github.com/b2b-orders/platform/services"
)

// gatewayEventFields selects every field of an event, the order's
// customer from the customers subgraph included, so that the gateway has
// to join each event across both subgraphs as it does for a query.
const gatewayEventFields = `{ eventId type seq occurredAt order { id status totalCents createdAt customer { id name email } items { quantity unitPriceCents subtotalCents product { id sku name } } } }`

// TestGatewaySubscriptions subscribes to orderEvents through Hive Gateway
// as compose deploys it (the pinned version, deploy/gateway.config.mjs,
// HIVE_ROUTER_RUNTIME=true) over the subgraphs of a real `b2b serve`: as a
// customer over server-sent events and over WebSocket
// (graphql-transport-ws, the token in connection_init's payload), beside
// the same subscription on the combined graph of the same process. Orders
// are placed and changed for that customer and another, through REST and
// through the gateway. Each gateway subscriber receives exactly the
// customer's own events, in order, each equal to the combined graph's;
// the subgraph decides who subscribes (an unauthenticated subscriber and a
// customer asking for another customer's events are refused with the
// subgraph's codes), and the gateway itself refuses a subscription over
// the graph's limits before any subgraph sees it.
// graph/federation/check.sh runs it with B2B_GATEWAY_CHECK=1.
func TestGatewaySubscriptions(t *testing.T) {
	if os.Getenv("B2B_GATEWAY_CHECK") != "1" {
		t.Skip("the gateway check runs from graph/federation/check.sh (B2B_GATEWAY_CHECK=1)")
	}
	supergraph, err := filepath.Abs(filepath.Join("federation", "supergraph.graphql"))
	if err != nil {
		t.Fatal(err)
	}
	p, admin := startBinary(t)
	gateway := startHive(t, supergraph, p)
	combined := p.URL("graph", "/graphql")
	orders := p.URL("orders", "/api/v1/orders")
	tokens := &auth.Tokens{Secret: []byte(binaryJWTSecret)}
	customer1, err := tokens.Issue(services.Principal{Role: services.RoleCustomer, CustomerID: 1, Subject: "c1"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	bearer1, bearerAdmin := "Bearer "+customer1, "Bearer "+admin

	// Refusals, each compared with the combined graph's answer.
	t.Run("refused", func(t *testing.T) {
		refusals := []struct {
			name, auth, query string
			// gateway: refused by the gateway (no subgraph named), not
			// passed on to the orders subgraph's own refusal.
			gateway bool
		}{
			{name: "no token", query: `subscription { orderEvents { eventId } }`},
			{name: "a garbage token", auth: "Bearer garbage", query: `subscription { orderEvents { eventId } }`},
			{name: "another customer's events", auth: bearer1, query: `subscription { orderEvents(customerId: "2") { eventId } }`},
			{name: "depth 16", auth: bearer1, gateway: true, query: `subscription { orderEvents { order { ` +
				strings.Repeat("customer { orders(first: 1) { edges { node { ", 3) + "customer { id }" + strings.Repeat(" } } } }", 3) + ` } } }`},
			{name: "101 aliases", auth: bearer1, gateway: true, query: `subscription { orderEvents { ` + copies(101, `a%d: eventId`) + `} }`},
			{name: "complexity over 20,000", auth: bearer1, gateway: true, query: `subscription { orderEvents { order { customer { orders(first: 100) { edges { node { customer { orders(first: 100) { edges { node { id } } } } } } } } } } }`},
		}
		for _, r := range refusals {
			want := refusal(t, sseOpen(t, combined, r.auth, r.query, nil))
			if !strings.Contains(want, "errors=[") || strings.Contains(want, "errors=[]") {
				t.Fatalf("%s: the combined graph answered %s, want a refusal", r.name, want)
			}
			if r.gateway {
				// gqlgen's SSE transport sends a refused document with
				// "data": null; nothing ran, so the gateway leaves data
				// out, as the graph's own HTTP transport does.
				want = strings.Replace(want, "data=null ", "data=absent ", 1)
			}
			for _, s := range []*subStream{sseOpen(t, gateway, r.auth, r.query, nil), wsOpen(t, gateway, r.auth, r.query, nil)} {
				first := s.next(t)
				if got := refusal(t, &subStream{name: s.name, msgs: chanOf(first)}); got != want {
					t.Errorf("%s, %s: the gateway answered %s, the combined graph %s", r.name, s.name, got, want)
				}
				if got := serviceNames(first.payload); r.gateway != (got == "") {
					t.Errorf("%s, %s: errors from subgraph %q; want them from the gateway: %v", r.name, s.name, got, r.gateway)
				}
				// The refusal ends the subscription (a WebSocket error
				// message ends it by itself).
				if first.kind == "next" {
					if m := s.next(t); m.kind != "complete" && m.kind != "closed" {
						t.Errorf("%s, %s: after the refusal, %s %s", r.name, s.name, m.kind, m.payload)
					}
				}
			}
		}
	})

	// The older graphql-ws subprotocol (subscriptions-transport-ws),
	// which the graph serves, is not the gateway's.
	t.Run("graphql-ws subprotocol", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		c, _, err := websocket.Dial(ctx, strings.Replace(gateway, "http://", "ws://", 1), &websocket.DialOptions{Subprotocols: []string{"graphql-ws"}})
		if err == nil {
			defer c.CloseNow()
			if c.Subprotocol() == "graphql-ws" {
				t.Error("the gateway agreed to the graphql-ws subprotocol; README says it does not")
			}
		}
	})

	query := `subscription { orderEvents ` + gatewayEventFields + ` }`
	streams := []*subStream{
		sseOpen(t, gateway, bearer1, query, nil),
		wsOpen(t, gateway, bearer1, query, nil),
		wsOpen(t, combined, bearer1, query, nil), // the reference
	}
	streams[0].name, streams[1].name, streams[2].name = "gateway over SSE", "gateway over WebSocket", "the combined graph"

	// Every subscription is registered with the subgraph once it has
	// received an order placed after it: orders for customer 1 are placed
	// until each has received one, then each reads up to the last.
	placed := func(customer int) string {
		return restCall(t, "POST", orders, fmt.Sprintf(`{"customer_id":%d,"items":[{"product_id":2,"qty":1}]}`, customer), bearerAdmin)
	}
	last := make([]string, len(streams))
	var warm string
	for attempt := 0; slices.Contains(last, ""); attempt++ {
		if attempt == 30 {
			t.Fatalf("the subscriptions received none of %d orders: %v", attempt, last)
		}
		warm = placed(1)
		for i, s := range streams {
			if last[i] != "" {
				continue
			}
			if m, ok := s.within(t, 2*time.Second); ok {
				last[i] = eventOf(t, s, m).order
			}
		}
	}
	for i, s := range streams {
		for last[i] != warm {
			last[i] = eventOf(t, s, s.next(t)).order
		}
	}

	// The changes: customer 2's orders around customer 1's, through REST
	// and through the gateway, each state an order can reach.
	a := placed(2)
	b := placed(1)
	restCall(t, "POST", orders+"/"+b+"/confirm", `{"idempotency_key":"gw-sub-1"}`, bearerAdmin)
	restCall(t, "POST", orders+"/"+a+"/confirm", `{"idempotency_key":"gw-sub-2"}`, bearerAdmin)
	restCall(t, "POST", orders+"/"+a+"/cancel", "", bearerAdmin)
	restCall(t, "POST", orders+"/"+b+"/cancel", "", bearerAdmin)
	var created struct {
		Data struct{ CreateOrder struct{ ID string } }
	}
	mustJSON(t, httpPost(t, gateway, bearer1, `mutation { createOrder(input: {customerId: "1", items: [{productId: "3", quantity: 2}]}) { id } }`, nil), &created)
	d := created.Data.CreateOrder.ID
	if d == "" {
		t.Fatal("createOrder through the gateway placed nothing")
	}
	httpPost(t, gateway, bearer1, `mutation { cancelOrder(id: "`+d+`") { id } }`, nil)
	// The fence: customer 2's last order, then customer 1's. Anything of
	// customer 2's that reached a subscriber would come before it.
	placed(2)
	fence := placed(1)

	want := []string{b + ":order.created:1", b + ":order.confirmed:2", b + ":order.canceled:3",
		d + ":order.created:1", d + ":order.canceled:2", fence + ":order.created:1"}
	var reference []string
	for _, w := range want {
		m := streams[2].next(t)
		ev := eventOf(t, streams[2], m)
		if got := ev.String(); got != w || ev.customer != "1" {
			t.Fatalf("the combined graph: %s (customer %s), want %s", got, ev.customer, w)
		}
		reference = append(reference, canonical(t, m.payload))
	}
	for _, s := range streams[:2] {
		for i, w := range want {
			m := s.next(t)
			if got := eventOf(t, s, m).String(); got != w {
				t.Fatalf("%s, event %d: %s, want %s", s.name, i, got, w)
			}
			if got := canonical(t, m.payload); got != reference[i] {
				t.Errorf("%s, event %d:\n     got %s\ncombined %s", s.name, i, got, reference[i])
			}
		}
	}
	fmt.Printf("gateway subscriptions: %d events over SSE and WebSocket, equal to the combined graph's\n", len(want))

	// Streams end with their credential through the gateway too: the
	// orders subgraph ends the stream with UNAUTHENTICATED at the token's
	// expiry and after its customer's deletion, and the gateway passes
	// the end on, over SSE and over WebSocket.
	t.Run("credential ends", func(t *testing.T) {
		customers := p.URL("customers", "/api/v1/customers")
		doomed := restCall(t, "POST", customers, `{"name":"Gone Gateway Ltd","email":"gone-gw@example.com"}`, bearerAdmin)
		var doomedID int
		fmt.Sscan(doomed, &doomedID)
		expiring, err := tokens.Issue(services.Principal{Role: services.RoleCustomer, CustomerID: 1, Subject: "c1"}, 3*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		deleted, err := tokens.Issue(services.Principal{Role: services.RoleCustomer, CustomerID: doomedID, Subject: "gone"}, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		q := `subscription { orderEvents { eventId order { id customer { id name } } } }`
		ends := map[string]*subStream{}
		for kind, tok := range map[string]string{"an expiring token": expiring, "a deleted customer's token": deleted} {
			ends[kind+" over SSE"] = sseOpen(t, gateway, "Bearer "+tok, q, nil)
			ends[kind+" over WebSocket"] = wsOpen(t, gateway, "Bearer "+tok, q, nil)
		}
		restCall(t, "DELETE", customers+"/"+doomed, "", bearerAdmin)
		for name, s := range ends {
			s.name = name
			codes := untilEnd(t, s, 15*time.Second)
			if !slices.Contains(codes, "UNAUTHENTICATED") || slices.ContainsFunc(codes, func(c string) bool { return c != "UNAUTHENTICATED" }) {
				t.Errorf("%s through the gateway ended with %v, want UNAUTHENTICATED", name, codes)
			}
		}
	})
}

// subStream is one subscription's messages as they arrive: "next" with
// the GraphQL response, "error" with the errors (WebSocket), "complete",
// or "closed" when the stream ended without one.
type subStream struct {
	name string
	msgs chan subMsg
}

type subMsg struct {
	kind    string
	payload json.RawMessage
}

func chanOf(m subMsg) chan subMsg {
	c := make(chan subMsg, 2)
	c <- m
	close(c)
	return c
}

// next is the stream's next message; none within 15 s fails the test.
func (s *subStream) next(t *testing.T) subMsg {
	t.Helper()
	m, ok := s.within(t, 15*time.Second)
	if !ok {
		t.Fatalf("%s: nothing arrived", s.name)
	}
	return m
}

// within is the stream's next message, if one arrives within d.
func (s *subStream) within(t *testing.T, d time.Duration) (subMsg, bool) {
	t.Helper()
	select {
	case m, ok := <-s.msgs:
		if !ok {
			return subMsg{kind: "closed"}, true
		}
		return m, true
	case <-time.After(d):
		return subMsg{}, false
	}
}

// sseOpen posts a subscription for text/event-stream (GraphQL over SSE,
// distinct connections mode) and reads its events in the background.
func sseOpen(t *testing.T, url, authorization, query string, variables map[string]any) *subStream {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": variables})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	s := &subStream{name: "SSE " + url, msgs: make(chan subMsg, 64)}
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		// A refusal before the stream (a GraphQL response as JSON).
		var b json.RawMessage
		err := json.NewDecoder(resp.Body).Decode(&b)
		resp.Body.Close()
		if err != nil {
			t.Fatalf("SSE %s: HTTP %d %s, not JSON: %v", url, resp.StatusCode, resp.Header.Get("Content-Type"), err)
		}
		s.msgs <- subMsg{kind: "next", payload: b}
		s.msgs <- subMsg{kind: "complete"}
		close(s.msgs)
		return s
	}
	go func() {
		defer close(s.msgs)
		defer resp.Body.Close()
		lines := bufio.NewScanner(resp.Body)
		lines.Buffer(nil, 1<<20)
		event, data := "", ""
		for lines.Scan() {
			line := lines.Text()
			switch {
			case line == "":
				if event == "" && data == "" {
					continue
				}
				if event == "" {
					event = "next"
				}
				m := subMsg{kind: event}
				if event == "next" {
					m.payload = json.RawMessage(data)
				}
				event, data = "", ""
				select {
				case s.msgs <- m:
				case <-ctx.Done():
					return
				}
			case strings.HasPrefix(line, ":"): // a keep-alive comment
			case strings.HasPrefix(line, "event:"):
				event = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
			case strings.HasPrefix(line, "data:"):
				data += strings.TrimPrefix(strings.TrimPrefix(line, "data:"), " ")
			}
		}
	}()
	return s
}

// wsOpen subscribes over graphql-transport-ws (wsStreamOpen).
func wsOpen(t *testing.T, url, authorization, query string, variables map[string]any) *subStream {
	t.Helper()
	return wsStreamOpen(t, url, "", authorization, query, variables).subStream
}

// subEvent is what a test reads of an orderEvents event.
type subEvent struct{ order, kind, customer string }

func (e subEvent) String() string { return e.order + ":" + e.kind }

// eventOf decodes an event; anything but an event without errors fails.
func eventOf(t *testing.T, s *subStream, m subMsg) subEvent {
	t.Helper()
	var v struct {
		Data *struct {
			OrderEvents struct {
				EventID, Type string
				Seq           int
				Order         struct {
					ID       string
					Customer struct{ ID string }
				}
			}
		}
		Errors json.RawMessage
	}
	if m.kind != "next" || json.Unmarshal(m.payload, &v) != nil || v.Errors != nil || v.Data == nil || v.Data.OrderEvents.EventID == "" {
		t.Fatalf("%s: %s %s, want an event", s.name, m.kind, m.payload)
	}
	ev := v.Data.OrderEvents
	return subEvent{order: ev.Order.ID, kind: ev.Type + ":" + itoa(ev.Seq), customer: ev.Order.Customer.ID}
}

// refusal is what the test compares of a refused subscription: whether
// its first message had data, and its errors' codes and paths.
func refusal(t *testing.T, s *subStream) string {
	t.Helper()
	m := s.next(t)
	var errs []gqlError
	data := "absent"
	switch m.kind {
	case "next":
		var v struct {
			Data   json.RawMessage
			Errors []gqlError
		}
		if err := json.Unmarshal(m.payload, &v); err != nil {
			t.Fatalf("%s: %s", s.name, m.payload)
		}
		errs = v.Errors
		if v.Data != nil {
			data = string(v.Data)
		}
	case "error":
		if err := json.Unmarshal(m.payload, &errs); err != nil {
			t.Fatalf("%s: %s", s.name, m.payload)
		}
	default:
		return m.kind
	}
	var codes []string
	for _, e := range errs {
		codes = append(codes, fmt.Sprintf("%s@%v", e.code(), e.Path))
	}
	slices.Sort(codes)
	return fmt.Sprintf("data=%s errors=%v", data, codes)
}

// serviceNames are the subgraphs a message's errors name (Hive Gateway
// adds extensions.serviceName to the errors a subgraph answered).
func serviceNames(payload json.RawMessage) string {
	var v struct{ Errors []gqlError }
	if json.Unmarshal(payload, &v) != nil || v.Errors == nil {
		_ = json.Unmarshal(payload, &v.Errors) // a WebSocket error message
	}
	var names []string
	for _, e := range v.Errors {
		if n, ok := e.Extensions["serviceName"].(string); ok && !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	return strings.Join(names, ",")
}

// canonical is a JSON value with its keys sorted.
func canonical(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
