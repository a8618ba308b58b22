package orchestrator

import "time"

// DefaultGraphTimeout bounds one call into the graph unless GRAPH_TIMEOUT
// says otherwise, in the Lambda and in the binary's orchestrator role
// alike. MaxGraphTimeout is the most GRAPH_TIMEOUT may say in the binary:
// one request of the orchestrator role makes up to three graph calls
// (GraphClient's attempts), and the binary bounds each request at three
// times it.
const (
	DefaultGraphTimeout = 10 * time.Second
	MaxGraphTimeout     = 15 * time.Second
)
