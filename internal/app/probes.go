package app

import (
	"context"
	"net/http"

	"github.com/b2b-orders/platform/internal/web"
)

// livez answers 200 while the process serves HTTP at all. It checks no
// dependency on purpose: an orchestrator restarts a container whose
// liveness fails, and restarting does not bring a database back.
func livez(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	web.WriteJSON(w, http.StatusOK, map[string]string{"status": "alive"})
}

// readyBody says what /readyz found. Pending is the number of migrations
// not applied yet, when the database could say.
type readyBody struct {
	Status     string `json:"status"`
	Database   string `json:"database"`
	Migrations string `json:"migrations"`
	Pending    *int   `json:"pending,omitempty"`
}

// readyz answers 200 when this process can do its work: the database
// answers and its schema is the one the binary expects (no pending
// migrations; a role started with --no-migrate before `b2b migrate`
// finished is not ready). Otherwise 503, with a body that says which. An
// orchestrator stops sending traffic to an unready instance but leaves it
// running, which is what a database outage calls for.
func (a *App) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), healthTimeout)
	defer cancel()
	body := readyBody{Status: "ready", Database: "connected", Migrations: "current"}
	status := http.StatusOK
	if err := a.store.Ping(ctx); err != nil {
		a.log.WarnContext(ctx, "readyz: database does not answer", "err", err)
		body = readyBody{Status: "not ready", Database: "disconnected", Migrations: "unknown"}
		status = http.StatusServiceUnavailable
	} else if n, err := a.store.PendingMigrations(ctx); err != nil {
		a.log.WarnContext(ctx, "readyz: cannot read the applied migrations", "err", err)
		body.Status, body.Migrations, status = "not ready", "unknown", http.StatusServiceUnavailable
	} else if n > 0 {
		body.Status, body.Migrations, body.Pending, status = "not ready", "pending", &n, http.StatusServiceUnavailable
	} else {
		body.Pending = &n
	}
	w.Header().Set("Cache-Control", "no-store")
	web.WriteJSON(w, status, body)
}
