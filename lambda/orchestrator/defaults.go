package orchestrator

import "time"

// DefaultGraphTimeout bounds one call into the graph unless GRAPH_TIMEOUT
// says otherwise, in the Lambda and in the binary's orchestrator role
// alike.
const DefaultGraphTimeout = 10 * time.Second
