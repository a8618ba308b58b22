package orchestrator

import (
	_ "embed"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/b2b-orders/platform/auth"
	"github.com/b2b-orders/platform/internal/jsonfields"
	"github.com/b2b-orders/platform/internal/web"
	"github.com/b2b-orders/platform/services"
)

// Register hangs the local HTTP form of the orchestrator on r:
// POST /orchestrator/create-and-confirm-order, also under /dev/ where the
// original's tooling served it, and its OpenAPI document at GET
// /api/v1/openapi.json. It expects auth.Authenticator's middleware
// in front: a refused or missing credential is answered 401, an
// authenticated user's own credential is passed on to the graph, and
// anonymous callers (AUTH_REQUIRED=false) go through with the service
// token, as they would have with the original.
//
// Like every write of the service, it takes JSON bodies only (415
// web.MsgNotJSON otherwise, in the orchestrator's envelope), so that no web
// page can place orders through a visitor's browser; the Lambda's API
// Gateway events are not browsers and keep their own decoding.
func (h *Handler) Register(r chi.Router) {
	r.Post("/orchestrator/create-and-confirm-order", h.serveHTTP)
	r.Post("/dev/orchestrator/create-and-confirm-order", h.serveHTTP)
	r.Get("/api/v1/openapi.json", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(Document)
	})
}

// Document is the local form's OpenAPI 3 document, served at
// /api/v1/openapi.json: its request schema, every answer and, under
// x-messages, the field each exact message concerns.
//
//go:embed openapi.json
var Document []byte

func (h *Handler) serveHTTP(w http.ResponseWriter, r *http.Request) {
	correlationID := r.Header.Get(web.CorrelationIDHeader)
	if correlationID == "" || !web.ValidCorrelationID(correlationID) {
		// Bytes that are no UTF-8 would be replaced in the JSON answer
		// but not in its header.
		correlationID = h.newID()
	}
	if !web.IsJSON(r.Header.Get("Content-Type")) {
		write(w, Response{Status: http.StatusUnsupportedMediaType, CorrelationID: correlationID, Error: web.MsgNotJSON})
		return
	}
	p, err := auth.FromContext(r.Context())
	if err != nil {
		status := http.StatusUnauthorized
		if services.KindOf(err) == services.Unavailable {
			status = http.StatusServiceUnavailable // who the caller is could not be checked
		}
		write(w, Response{Status: status, CorrelationID: correlationID, Error: services.ErrorOf(err).Message})
		return
	}
	// The caller's own credential goes on to the graph, so that it orders
	// only as the caller may; never the service token for a caller who
	// authenticated (an API key sent as X-API-Key goes on as a Bearer
	// credential).
	forward := ""
	if p.Role != services.RoleAnonymous {
		forward = r.Header.Get("Authorization")
		if key := strings.TrimSpace(r.Header.Get(web.APIKeyHeader)); forward == "" && key != "" {
			forward = "Bearer " + key
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, web.MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			write(w, Response{Status: http.StatusRequestEntityTooLarge, CorrelationID: correlationID, Error: "Request body too large"})
			return
		}
		write(w, Response{Status: http.StatusBadRequest, CorrelationID: correlationID, Error: jsonfields.MsgInvalidJSON})
		return
	}
	write(w, h.Handle(r.Context(), body, correlationID, forward))
}

func write(w http.ResponseWriter, resp Response) {
	for k, v := range resp.headers() {
		w.Header().Set(k, v)
	}
	w.WriteHeader(resp.Status)
	_, _ = w.Write(resp.body())
}
