package systest

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// subscriber is a GraphQL subscriber of orderEvents over server-sent
// events, reading in the background what a process's graph sends.
type subscriber struct {
	mu     sync.Mutex
	events []subscribed
}

type subscribed struct {
	id, typ string
	seq     int
	order   string
}

// subscribe starts a subscriber of every order event on graphURL's
// /graphql, with token's rights, and returns once the stream is open.
func subscribe(t *testing.T, graphURL, token string) *subscriber {
	t.Helper()
	body := `{"query":"subscription { orderEvents { eventId type seq order { id } } }"}`
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, graphURL, strings.NewReader(body))
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
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("subscribe: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	s := &subscriber{}
	done := make(chan struct{})
	t.Cleanup(func() { resp.Body.Close(); <-done })
	go func() {
		defer close(done)
		lines := bufio.NewScanner(resp.Body)
		for lines.Scan() {
			data, ok := strings.CutPrefix(lines.Text(), "data: ")
			if !ok {
				continue
			}
			var m struct {
				Data struct {
					OrderEvents struct {
						EventID, Type string
						Seq           int
						Order         struct{ ID string }
					}
				}
				Errors []any
			}
			if err := json.Unmarshal([]byte(data), &m); err != nil || len(m.Errors) > 0 {
				t.Errorf("subscription: %s (%v)", data, err)
				continue
			}
			e := m.Data.OrderEvents
			s.mu.Lock()
			s.events = append(s.events, subscribed{id: e.EventID, typ: e.Type, seq: e.Seq, order: e.Order.ID})
			s.mu.Unlock()
		}
	}()
	return s
}

// requireExactly waits until the subscriber has every event of evs (as
// JetStream holds them) and fails for an event it got twice, one not in
// evs, or an order's events out of sequence.
func (s *subscriber) requireExactly(t *testing.T, evs []map[string]any) {
	t.Helper()
	want := map[string]bool{}
	for _, ev := range evs {
		want[ev["id"].(string)] = true
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		s.mu.Lock()
		n := len(s.events)
		s.mu.Unlock()
		if n >= len(want) || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := map[string]bool{}
	seq := map[string]int{}
	for _, e := range s.events {
		if seen[e.id] || !want[e.id] {
			t.Errorf("subscriber: event %s (%s of order %s) twice, or not an event of the run", e.id, e.typ, e.order)
		}
		seen[e.id] = true
		if e.seq <= seq[e.order] {
			t.Errorf("subscriber: order %s: event %d after %d", e.order, e.seq, seq[e.order])
		}
		seq[e.order] = e.seq
	}
	if len(seen) != len(want) {
		t.Errorf("subscriber: %d of the %d events", len(seen), len(want))
	}
}
