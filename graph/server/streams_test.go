package server

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/b2b-orders/platform/internal/gqlcode"
)

// docs/api-graphql.md's table of what a caller may hold open is a copy
// of the defaults: it must say what StreamLimits does.
func TestReadmeStreamLimits(t *testing.T) {
	readme, err := os.ReadFile("../../docs/api-graphql.md")
	if err != nil {
		t.Fatal(err)
	}
	n := func(v int) string { // 1000 → "1,000"
		s := strconv.Itoa(v)
		if len(s) > 3 {
			s = s[:len(s)-3] + "," + s[len(s)-3:]
		}
		return s
	}
	secs := func(d time.Duration) string { return strconv.Itoa(int(d/time.Second)) + " s" }
	for _, row := range []string{
		"| subscriptions of one handler (each graph and subgraph) | " + n(DefaultMaxStreams) + " | `" + gqlcode.TooManyStreams + "` |",
		"| subscriptions of one client | " + n(DefaultMaxStreamsPerClient) + " | `" + gqlcode.TooManyStreams + "` |",
		"| subscriptions on one WebSocket | " + n(DefaultMaxStreamsPerConn) + " | `" + gqlcode.TooManyStreams + "` for the one past it |",
		"| open WebSockets and event-stream requests, per handler / per client | " + n(DefaultMaxStreams) + " / " + n(DefaultMaxStreamsPerClient) +
			" | 429 `" + gqlcode.TooManyStreams + "`, or close code " + strconv.Itoa(CloseTooManyStreams) + " after `connection_init` |",
		"| time to send `connection_init` | " + secs(DefaultStreamInitTimeout) + " | close 1002 |",
		"| a WebSocket without a subscription (after `connection_init`, or after its last one ended) | " + secs(DefaultStreamIdleGrace) + " | close 1000 |",
	} {
		if !strings.Contains(string(readme), row+"\n") {
			t.Errorf("docs/api-graphql.md lacks the row\n%s", row)
		}
	}
	if !strings.Contains(string(readme), "closes with **"+strconv.Itoa(CloseForbidden)+"**") {
		t.Errorf("docs/api-graphql.md does not say a WebSocket closes with %d when its credential ends", CloseForbidden)
	}
}
