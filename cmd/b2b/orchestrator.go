package main

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/b2b-orders/platform/lambda/orchestrator"
)

// graphTimeout bounds one call of the orchestrator into the graph.
const graphTimeout = 10 * time.Second

// mountOrchestrator hangs the Lambda's local form on the orchestrator
// role: the same handler code that runs on AWS.
func mountOrchestrator(r chi.Router, a *app) {
	h := &orchestrator.Handler{
		Graph: &orchestrator.GraphClient{
			URL:          a.graphURL,
			ServiceToken: a.cfg.ServiceToken,
			HTTP:         &http.Client{Timeout: graphTimeout},
		},
		Logger: a.log,
	}
	h.Register(r)
}

// orchestratorGraphURL is GRAPH_URL, or, when it is unset, the graph role
// listening in this process. It is an error for the orchestrator to run
// with neither.
func orchestratorGraphURL(cfg Config, lns []listener) (string, error) {
	if cfg.GraphURL != "" {
		return cfg.GraphURL, nil
	}
	i := slices.IndexFunc(lns, func(l listener) bool { return l.role.name == "graph" })
	if i < 0 {
		if slices.ContainsFunc(lns, func(l listener) bool { return l.role.name == "orchestrator" }) {
			return "", errors.New("GRAPH_URL must be set when the orchestrator runs without the graph role")
		}
		return "", nil
	}
	addr := lns[i].ln.Addr().(*net.TCPAddr)
	host := addr.IP.String()
	if addr.IP.IsUnspecified() {
		host = "127.0.0.1"
	}
	return fmt.Sprintf("http://%s/graphql", net.JoinHostPort(host, fmt.Sprint(addr.Port))), nil
}
