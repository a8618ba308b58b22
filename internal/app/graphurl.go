package app

import (
	"errors"
	"fmt"
	"net"
	"slices"
)

// GraphURL is where the orchestrator reaches the graph: configured (GRAPH_URL),
// or, when that is empty, the graph role listening in this process.
// Errors: the orchestrator runs with neither.
func GraphURL(configured string, lns []Listener) (string, error) {
	if configured != "" {
		return configured, nil
	}
	i := slices.IndexFunc(lns, func(l Listener) bool { return l.Role.Name == "graph" })
	if i < 0 {
		if slices.ContainsFunc(lns, func(l Listener) bool { return l.Role.Name == "orchestrator" }) {
			return "", errors.New("GRAPH_URL must be set when the orchestrator runs without the graph role")
		}
		return "", nil
	}
	addr := lns[i].Addr().(*net.TCPAddr)
	host := addr.IP.String()
	if addr.IP.IsUnspecified() {
		host = "127.0.0.1"
	}
	return fmt.Sprintf("http://%s/graphql", net.JoinHostPort(host, fmt.Sprint(addr.Port))), nil
}
