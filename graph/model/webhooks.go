package model

import (
	"time"

	"github.com/b2b-orders/platform/services"
	"github.com/b2b-orders/platform/services/webhooks"
)

// CursorWebhook and CursorDelivery are the cursor kinds of the webhook
// lists.
const (
	CursorWebhook  = "webhook"
	CursorDelivery = "delivery"
)

// WebhookEndpoint is a registered receiver; its secret is never read back.
type WebhookEndpoint webhooks.Endpoint

// WebhookEndpointConnection is a page of endpoints.
type WebhookEndpointConnection struct {
	Edges    []*WebhookEndpointEdge
	PageInfo *PageInfo
}

// WebhookEndpointEdge is one endpoint of a page.
type WebhookEndpointEdge struct {
	Cursor string
	Node   *WebhookEndpoint
}

// WebhookDelivery is one event's delivery to an endpoint.
type WebhookDelivery struct {
	ID             int
	EventID        string
	EventType      string
	State          string
	Attempts       int
	NextAttemptAt  *time.Time
	LastStatusCode *int
	LastError      *string
	DeliveredAt    *time.Time
	CreatedAt      time.Time
	Log            []*WebhookAttempt
}

// WebhookAttempt is one attempt of a delivery.
type WebhookAttempt struct {
	Attempt     int
	StatusCode  *int
	Error       *string
	DurationMs  int
	AttemptedAt time.Time
}

// WebhookDeliveryConnection is a page of deliveries.
type WebhookDeliveryConnection struct {
	Edges    []*WebhookDeliveryEdge
	PageInfo *PageInfo
}

// WebhookDeliveryEdge is one delivery of a page.
type WebhookDeliveryEdge struct {
	Cursor string
	Node   *WebhookDelivery
}

// CreateWebhookEndpointInput is the argument of createWebhookEndpoint.
type CreateWebhookEndpointInput struct {
	URL        string
	Secret     *string
	EventTypes []string
}

// UpdateWebhookEndpointInput is the argument of updateWebhookEndpoint.
type UpdateWebhookEndpointInput struct {
	URL        *string
	Secret     *string
	EventTypes []string
	Enabled    *bool
}

// CreateWebhookEndpointPayload is the answer of createWebhookEndpoint.
type CreateWebhookEndpointPayload struct {
	Endpoint *WebhookEndpoint
	Secret   string
}

// FromWebhook converts an endpoint.
func FromWebhook(e webhooks.Endpoint) *WebhookEndpoint {
	w := WebhookEndpoint(e)
	return &w
}

// WebhookConnectionOf builds a connection from a page of endpoints.
func WebhookConnectionOf(p services.Page[webhooks.Endpoint]) *WebhookEndpointConnection {
	edges, info := Connection(CursorWebhook, p.Items, p.HasMore,
		func(e webhooks.Endpoint) int { return e.ID },
		func(cur string, e webhooks.Endpoint) *WebhookEndpointEdge {
			return &WebhookEndpointEdge{Cursor: cur, Node: FromWebhook(e)}
		})
	return &WebhookEndpointConnection{Edges: edges, PageInfo: info}
}

// DeliveryConnectionOf builds a connection from a page of deliveries.
func DeliveryConnectionOf(p services.Page[webhooks.Delivery]) *WebhookDeliveryConnection {
	edges, info := Connection(CursorDelivery, p.Items, p.HasMore,
		func(d webhooks.Delivery) int { return d.ID },
		func(cur string, d webhooks.Delivery) *WebhookDeliveryEdge {
			out := &WebhookDelivery{ID: d.ID, EventID: d.EventID, EventType: d.EventType, State: d.State, Attempts: d.Attempts,
				NextAttemptAt: d.NextAttemptAt, LastStatusCode: d.LastStatusCode, LastError: d.LastError, DeliveredAt: d.DeliveredAt,
				CreatedAt: d.CreatedAt, Log: make([]*WebhookAttempt, len(d.Log))}
			for i, a := range d.Log {
				out.Log[i] = &WebhookAttempt{Attempt: a.Attempt, StatusCode: a.StatusCode, Error: a.Error,
					DurationMs: int(a.Duration.Milliseconds()), AttemptedAt: a.At}
			}
			return &WebhookDeliveryEdge{Cursor: cur, Node: out}
		})
	return &WebhookDeliveryConnection{Edges: edges, PageInfo: info}
}
