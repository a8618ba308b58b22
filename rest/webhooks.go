package rest

import (
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/b2b-orders/platform/internal/web"
	"github.com/b2b-orders/platform/services/webhooks"
)

type webhooksHandler struct {
	svc  *webhooks.Service
	errs errorWriter
}

func (h *webhooksHandler) routes(r chi.Router) {
	r.Post("/", h.create)
	r.Get("/", h.list)
	r.Get("/{id}", h.get)
	r.Patch("/{id}", h.update)
	r.Delete("/{id}", h.delete)
	r.Get("/{id}/deliveries", h.deliveries)
}

type webhookBody struct {
	ID             int        `json:"id"`
	URL            string     `json:"url"`
	EventTypes     []string   `json:"event_types"`
	Enabled        bool       `json:"enabled"`
	DisabledAt     *timestamp `json:"disabled_at"`
	DisabledReason *string    `json:"disabled_reason"`
	FailingSince   *timestamp `json:"failing_since"`
	CreatedAt      timestamp  `json:"created_at"`
	UpdatedAt      timestamp  `json:"updated_at"`
}

// createdWebhookBody is the one answer that shows the secret.
type createdWebhookBody struct {
	webhookBody
	Secret string `json:"secret"`
}

func webhookDTO(e webhooks.Endpoint) webhookBody {
	return webhookBody{ID: e.ID, URL: e.URL, EventTypes: e.EventTypes, Enabled: e.Enabled, DisabledAt: optTime(e.DisabledAt),
		DisabledReason: e.DisabledReason, FailingSince: optTime(e.FailingSince), CreatedAt: timestamp(e.CreatedAt), UpdatedAt: timestamp(e.UpdatedAt)}
}

func webhookID(e webhooks.Endpoint) int { return e.ID }

type deliveryBody struct {
	ID             int           `json:"id"`
	WebhookID      int           `json:"webhook_id"`
	EventID        string        `json:"event_id"`
	EventType      string        `json:"event_type"`
	State          string        `json:"state"`
	Attempts       int           `json:"attempts"`
	NextAttemptAt  *timestamp    `json:"next_attempt_at"`
	LastStatusCode *int          `json:"last_status_code"`
	LastError      *string       `json:"last_error"`
	DeliveredAt    *timestamp    `json:"delivered_at"`
	CreatedAt      timestamp     `json:"created_at"`
	Log            []attemptBody `json:"log"`
}

type attemptBody struct {
	Attempt     int       `json:"attempt"`
	StatusCode  *int      `json:"status_code"`
	Error       *string   `json:"error"`
	DurationMS  int64     `json:"duration_ms"`
	AttemptedAt timestamp `json:"attempted_at"`
}

func deliveryDTO(d webhooks.Delivery) deliveryBody {
	out := deliveryBody{ID: d.ID, WebhookID: d.EndpointID, EventID: d.EventID, EventType: d.EventType, State: d.State,
		Attempts: d.Attempts, NextAttemptAt: optTime(d.NextAttemptAt), LastStatusCode: d.LastStatusCode, LastError: d.LastError,
		DeliveredAt: optTime(d.DeliveredAt), CreatedAt: timestamp(d.CreatedAt), Log: make([]attemptBody, len(d.Log))}
	for i, a := range d.Log {
		out.Log[i] = attemptBody{Attempt: a.Attempt, StatusCode: a.StatusCode, Error: a.Error,
			DurationMS: a.Duration.Milliseconds(), AttemptedAt: timestamp(a.At)}
	}
	return out
}

func deliveryID(d webhooks.Delivery) int { return d.ID }

func optTime(t *time.Time) *timestamp {
	if t == nil {
		return nil
	}
	ts := timestamp(*t)
	return &ts
}

// create: POST /webhooks {url, secret?, event_types?} → 201 endpoint with
// its secret, shown this once.
func (h *webhooksHandler) create(w http.ResponseWriter, r *http.Request) {
	f, err := readObject(r)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	url, secret, types := f.Str("url", true), f.Str("secret", false), f.Strings("event_types", false)
	if err := f.Err(); err != nil {
		h.errs.write(w, r, err)
		return
	}
	e, sec, err := h.svc.Create(r.Context(), webhooks.CreateInput{URL: *url, Secret: secret, EventTypes: types})
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, ok(createdWebhookBody{webhookBody: webhookDTO(e), Secret: sec}))
}

// list: GET /webhooks?cursor&limit → 200 page of endpoints by id.
func (h *webhooksHandler) list(w http.ResponseWriter, r *http.Request) {
	q := parseQuery(r)
	params := webhooks.ListParams{After: q.number("cursor"), Limit: q.number("limit")}
	if q.err != nil {
		h.errs.write(w, r, q.err)
		return
	}
	p, err := h.svc.List(r.Context(), params)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, page(p, params.Limit, webhookDTO, webhookID))
}

// get: GET /webhooks/{id} → 200 endpoint.
func (h *webhooksHandler) get(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, webhooks.MsgInvalidWebhookID)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	e, err := h.svc.Get(r.Context(), id)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, ok(webhookDTO(e)))
}

// update: PATCH /webhooks/{id} {url?, secret?, event_types?, enabled?} →
// 200 endpoint.
func (h *webhooksHandler) update(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, webhooks.MsgInvalidWebhookID)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	f, err := readObject(r)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	in := webhooks.UpdateInput{URL: f.Str("url", false), Secret: f.Str("secret", false)}
	if types := f.Strings("event_types", false); types != nil {
		in.EventTypes = &types
	}
	in.Enabled = f.Boolean("enabled", false)
	if err := f.Err(); err != nil {
		h.errs.write(w, r, err)
		return
	}
	e, err := h.svc.Update(r.Context(), id, in)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, ok(webhookDTO(e)))
}

// delete: DELETE /webhooks/{id} → 204.
func (h *webhooksHandler) delete(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, webhooks.MsgInvalidWebhookID)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	if err := h.svc.Delete(r.Context(), id); err != nil {
		h.errs.write(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// deliveries: GET /webhooks/{id}/deliveries?cursor&limit → 200 page of the
// endpoint's deliveries, newest first, each with its attempts.
func (h *webhooksHandler) deliveries(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, webhooks.MsgInvalidWebhookID)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	q := parseQuery(r)
	params := webhooks.ListParams{After: q.number("cursor"), Limit: q.number("limit")}
	if q.err != nil {
		h.errs.write(w, r, q.err)
		return
	}
	p, err := h.svc.Deliveries(r.Context(), id, params)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, page(p, params.Limit, deliveryDTO, deliveryID))
}
