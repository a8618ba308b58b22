package graph_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
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
		var raw struct {
			Type    string
			Payload json.RawMessage
		}
		if err := wsjson.Read(ctx, c, &raw); err != nil {
			t.Fatalf("reading the subscription: %v", err)
		}
		m := wsEvent{Type: raw.Type}
		switch raw.Type {
		case "ping", "pong", "ka":
			continue
		case "error":
			_ = json.Unmarshal(raw.Payload, &m.Errors)
		default:
			_ = json.Unmarshal(raw.Payload, &m.Payload)
			var withErrors struct{ Errors json.RawMessage }
			if json.Unmarshal(raw.Payload, &withErrors) == nil && withErrors.Errors != nil {
				_ = json.Unmarshal(withErrors.Errors, &m.Errors)
			}
		}
		return m
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

	all := wsSubscribe(t, p.URL("graph", "/graphql"), admin, allEvents)
	mine := wsSubscribe(t, p.URL("orders", "/graphql"), customer1, allEvents)
	// A customer asking for another customer's events is refused.
	other := wsSubscribe(t, p.URL("graph", "/graphql"), customer1, customer2sEvents)
	if m := wsNext(t, other); len(m.Errors) == 0 || m.Errors[0].Extensions.Code != "FORBIDDEN" {
		t.Fatalf("another customer's events: %+v", m)
	}

	// SSE, as graphql-sse's distinct connections mode reads it.
	sse := sseSubscribe(t, p.URL("graph", "/graphql"), admin, allEvents)

	time.Sleep(300 * time.Millisecond) // the subscriptions are registered
	auth := "Bearer " + admin
	order2 := restCall(t, "POST", p.URL("orders", "/api/v1/orders"), `{"customer_id":2,"items":[{"product_id":1,"qty":1}]}`, auth)
	order1 := restCall(t, "POST", p.URL("orders", "/api/v1/orders"), `{"customer_id":1,"items":[{"product_id":2,"qty":3}]}`, auth)
	restCall(t, "POST", p.URL("orders", "/api/v1/orders/"+order1+"/confirm"), `{"idempotency_key":"sub-1"}`, auth)

	want := []string{order2 + ":order.created:1", order1 + ":order.created:1", order1 + ":order.confirmed:2"}
	for i, w := range want {
		m := wsNext(t, all)
		ev := m.Payload.Data.OrderEvents
		if got := ev.Order.ID + ":" + ev.Type + ":" + itoa(ev.Seq); m.Type != "next" || got != w || ev.EventID == "" {
			t.Fatalf("all, event %d: %+v, want %s", i, m, w)
		}
		if s := sse(); s != w {
			t.Fatalf("sse, event %d: %s, want %s", i, s, w)
		}
	}
	for _, w := range want[1:] {
		m := wsNext(t, mine)
		ev := m.Payload.Data.OrderEvents
		if got := ev.Order.ID + ":" + ev.Type + ":" + itoa(ev.Seq); got != w || ev.Order.Customer.ID != "1" || len(ev.Order.Items) != 1 || ev.Order.Items[0].Quantity != 3 {
			t.Fatalf("customer 1: %+v, want %s", m, w)
		}
	}
	// There were only three changes: nothing more comes.
	ctx, cancel := context.WithTimeout(t.Context(), time.Second)
	defer cancel()
	for {
		var raw struct{ Type string }
		if err := wsjson.Read(ctx, all, &raw); err != nil {
			break // the deadline: nothing came
		}
		if raw.Type == "next" {
			t.Fatal("an extra event")
		}
	}
}

// sseSubscribe posts a subscription asking for text/event-stream and
// returns a function that reads the next event as "order:type:seq".
func sseSubscribe(t *testing.T, url, token, query string) func() string {
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
	lines := bufio.NewScanner(resp.Body)
	return func() string {
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
			if err := json.Unmarshal([]byte(data), &m); err != nil {
				t.Fatalf("SSE data %s: %v", data, err)
			}
			ev := m.Data.OrderEvents
			return ev.Order.ID + ":" + ev.Type + ":" + itoa(ev.Seq)
		}
		t.Fatalf("SSE stream ended: %v", lines.Err())
		return ""
	}
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
