package graph_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/b2b-orders/platform/auth"
	"github.com/b2b-orders/platform/services"
)

// wsSubscribe opens a graphql-transport-ws subscription on url with the
// token in the init payload, as browsers' clients (graphql-ws) send it.
func wsSubscribe(t *testing.T, url, token, query string) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, strings.Replace(url, "http://", "ws://", 1), &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.CloseNow() })
	if err := wsjson.Write(ctx, c, map[string]any{"type": "connection_init", "payload": map[string]any{"Authorization": "Bearer " + token}}); err != nil {
		t.Fatal(err)
	}
	var ack struct{ Type string }
	if err := wsjson.Read(ctx, c, &ack); err != nil || ack.Type != "connection_ack" {
		t.Fatalf("connection_init: %+v, %v", ack, err)
	}
	if err := wsjson.Write(ctx, c, map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{"query": query}}); err != nil {
		t.Fatal(err)
	}
	return c
}

// wsEvent is one server message: next (Payload), error (Errors), complete.
type wsEvent struct {
	Type    string
	Payload struct {
		Data struct {
			OrderEvents struct {
				EventID, Type string
				Seq           int
				Order         struct {
					ID, Status string
					Customer   struct{ ID string }
					Items      []struct{ Quantity int }
				}
			}
		}
	}
	Errors []struct {
		Message    string
		Extensions struct{ Code string }
	}
}

func wsNext(t *testing.T, c *websocket.Conn) wsEvent {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	for {
		var raw wsMessage
		if err := wsjson.Read(ctx, c, &raw); err != nil {
			t.Fatalf("reading the subscription: %v", err)
		}
		if m, ok := raw.event(); ok {
			return m
		}
	}
}

// wsMessage is a server message as it comes.
type wsMessage struct {
	Type    string
	Payload json.RawMessage
}

// event is the message as a wsEvent; not ok for the keep-alives (ping,
// pong, ka).
func (raw wsMessage) event() (wsEvent, bool) {
	m := wsEvent{Type: raw.Type}
	switch raw.Type {
	case "ping", "pong", "ka":
		return m, false
	case "error":
		_ = json.Unmarshal(raw.Payload, &m.Errors)
	default:
		_ = json.Unmarshal(raw.Payload, &m.Payload)
		var withErrors struct{ Errors json.RawMessage }
		if json.Unmarshal(raw.Payload, &withErrors) == nil && withErrors.Errors != nil {
			_ = json.Unmarshal(withErrors.Errors, &m.Errors)
		}
	}
	return m, true
}

// wsFeed reads c's messages, but the keep-alives, from a goroutine of its
// own until the connection or the test ends, so that the test can wait
// for one with a deadline without closing c (a Read whose context ends
// closes the connection).
func wsFeed(t *testing.T, c *websocket.Conn) <-chan wsEvent {
	ch := make(chan wsEvent, 64)
	go func() {
		defer close(ch)
		for {
			var raw wsMessage
			if err := wsjson.Read(t.Context(), c, &raw); err != nil {
				return
			}
			if m, ok := raw.event(); ok {
				select {
				case ch <- m:
				case <-t.Context().Done():
					return
				}
			}
		}
	}()
	return ch
}

// receive is the next value of ch, within 10 s.
func receive[T any](t *testing.T, what string, ch <-chan T) T {
	t.Helper()
	select {
	case v, ok := <-ch:
		if !ok {
			t.Fatalf("%s: the stream ended", what)
		}
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: nothing within 10 s", what)
	}
	panic("unreachable")
}

// awaitSubscribed returns once every subscription of feeds is registered
// on the server, which nothing but an event shows: it places probe orders
// (place returns the order's id), each a moment after the last, until
// every feed has received one, and then reads each feed up to the last
// probe's event, so that the next event any feed has is one placed after
// awaitSubscribed returned. next reads a feed's next event, as its order
// id, within wait (not ok: none came).
func awaitSubscribed(t *testing.T, place func() string, feeds ...func(wait time.Duration) (string, bool)) {
	t.Helper()
	got := make([]string, len(feeds)) // the order of each feed's latest event
	probes := map[string]bool{}
	probe := func(i int, id string) {
		if !probes[id] {
			t.Fatalf("subscription %d: an event of order %q before the test placed any but probes %v", i, id, probes)
		}
		got[i] = id
	}
	deadline := time.Now().Add(30 * time.Second)
	var last string
	for slices.Contains(got, "") {
		if time.Now().After(deadline) {
			t.Fatalf("subscriptions %v (in the order opened) received no probe order's event within 30 s", got)
		}
		last = place()
		probes[last] = true
		for i, next := range feeds {
			if got[i] == "" {
				if id, ok := next(200 * time.Millisecond); ok {
					probe(i, id)
				}
			}
		}
	}
	for i, next := range feeds {
		for got[i] != last {
			id, ok := next(10 * time.Second)
			if !ok {
				t.Fatalf("subscription %d: no event of probe order %s within 10 s (the last was of order %s)", i, last, got[i])
			}
			probe(i, id)
		}
	}
	t.Logf("the subscriptions are registered: %d probe orders", len(probes))
}

// wsOrders reads a feed's events as their order ids, for awaitSubscribed.
func wsOrders(ch <-chan wsEvent) func(time.Duration) (string, bool) {
	return func(wait time.Duration) (string, bool) {
		select {
		case m, ok := <-ch:
			return m.Payload.Data.OrderEvents.Order.ID, ok
		case <-time.After(wait):
			return "", false
		}
	}
}

// sseOrders reads an event stream's events ("order:type:seq") as their
// order ids, for awaitSubscribed.
func sseOrders(ch <-chan string) func(time.Duration) (string, bool) {
	return func(wait time.Duration) (string, bool) {
		select {
		case ev, ok := <-ch:
			id, _, _ := strings.Cut(ev, ":")
			return id, ok
		case <-time.After(wait):
			return "", false
		}
	}
}

const (
	eventFields      = `{ eventId type seq order { id status customer { id } items { quantity } } }`
	allEvents        = `subscription { orderEvents ` + eventFields + ` }`
	customer2sEvents = `subscription { orderEvents(customerId: "2") ` + eventFields + ` }`
)

// orderEvents through the real binary: over WebSocket (graphql-transport-ws,
// the token in the init payload) and server-sent events, on the combined
// graph and the orders subgraph; a customer token receives its own
// customer's events only and may not ask for another's; every change of
// an order arrives once, in sequence.
func TestOrderEventsSubscription(t *testing.T) {
	p, admin := startBinary(t)
	customer1, err := (&auth.Tokens{Secret: []byte(binaryJWTSecret)}).Issue(services.Principal{Role: services.RoleCustomer, CustomerID: 1, Subject: "c1"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}

	all := wsFeed(t, wsSubscribe(t, p.URL("graph", "/graphql"), admin, allEvents))
	mine := wsFeed(t, wsSubscribe(t, p.URL("orders", "/graphql"), customer1, allEvents))
	// A customer asking for another customer's events is refused.
	other := wsSubscribe(t, p.URL("graph", "/graphql"), customer1, customer2sEvents)
	if m := wsNext(t, other); len(m.Errors) == 0 || m.Errors[0].Extensions.Code != "FORBIDDEN" {
		t.Fatalf("another customer's events: %+v", m)
	}

	// SSE, as graphql-sse's distinct connections mode reads it.
	sse := sseSubscribe(t, p.URL("graph", "/graphql"), admin, allEvents)

	auth := "Bearer " + admin
	// The subscriptions are registered: each has received the event of a
	// probe order of customer 1's (whose events all three see).
	awaitSubscribed(t, func() string {
		return restCall(t, "POST", p.URL("orders", "/api/v1/orders"), `{"customer_id":1,"items":[{"product_id":10,"qty":1}]}`, auth)
	}, wsOrders(all), wsOrders(mine), sseOrders(sse))

	order2 := restCall(t, "POST", p.URL("orders", "/api/v1/orders"), `{"customer_id":2,"items":[{"product_id":1,"qty":1}]}`, auth)
	order1 := restCall(t, "POST", p.URL("orders", "/api/v1/orders"), `{"customer_id":1,"items":[{"product_id":2,"qty":3}]}`, auth)
	restCall(t, "POST", p.URL("orders", "/api/v1/orders/"+order1+"/confirm"), `{"idempotency_key":"sub-1"}`, auth)

	want := []string{order2 + ":order.created:1", order1 + ":order.created:1", order1 + ":order.confirmed:2"}
	for i, w := range want {
		m := receive(t, "all", all)
		ev := m.Payload.Data.OrderEvents
		if got := ev.Order.ID + ":" + ev.Type + ":" + itoa(ev.Seq); m.Type != "next" || got != w || ev.EventID == "" {
			t.Fatalf("all, event %d: %+v, want %s", i, m, w)
		}
		if s := receive(t, "sse", sse); s != w {
			t.Fatalf("sse, event %d: %s, want %s", i, s, w)
		}
	}
	for _, w := range want[1:] {
		m := receive(t, "customer 1", mine)
		ev := m.Payload.Data.OrderEvents
		if got := ev.Order.ID + ":" + ev.Type + ":" + itoa(ev.Seq); got != w || ev.Order.Customer.ID != "1" || len(ev.Order.Items) != 1 || ev.Order.Items[0].Quantity != 3 {
			t.Fatalf("customer 1: %+v, want %s", m, w)
		}
	}
	// There were only three changes: nothing more comes.
	quiet := time.After(time.Second)
	for {
		select {
		case m, ok := <-all:
			if ok && m.Type == "next" {
				t.Fatal("an extra event")
			}
			if ok {
				continue
			}
		case <-quiet: // nothing came
		}
		break
	}
}

// sseSubscribe posts a subscription asking for text/event-stream and
// returns its events as "order:type:seq", read from a goroutine of its
// own; the channel closes when the stream ends.
func sseSubscribe(t *testing.T, url, token, query string) <-chan string {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query})
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url, strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("SSE: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	ch := make(chan string, 64)
	go func() {
		defer close(ch)
		lines := bufio.NewScanner(resp.Body)
		for lines.Scan() {
			data, ok := strings.CutPrefix(lines.Text(), "data: ")
			if !ok {
				continue
			}
			var m struct {
				Data struct {
					OrderEvents struct {
						Type  string
						Seq   int
						Order struct{ ID string }
					}
				}
			}
			ev := "SSE data " + data // what the test shows for data it cannot read
			if json.Unmarshal([]byte(data), &m) == nil {
				e := m.Data.OrderEvents
				ev = e.Order.ID + ":" + e.Type + ":" + itoa(e.Seq)
			}
			select {
			case ch <- ev:
			case <-t.Context().Done():
				return
			}
		}
	}()
	return ch
}

// restCall sends a REST request with the JSON content type and returns
// the new or named order's id ("data":{"id":N}); anything but 2xx fails.
func restCall(t *testing.T, method, url, body, auth string) string {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", auth)
	a := doRaw(t, req)
	if a.status/100 != 2 {
		t.Fatalf("%s %s: %d %s", method, url, a.status, a.body)
	}
	var v struct{ Data struct{ ID int } }
	_ = json.Unmarshal([]byte(a.body), &v)
	return strconv.Itoa(v.Data.ID)
}

func itoa(n int) string { return strconv.Itoa(n) }
