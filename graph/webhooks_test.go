package graph_test

import (
	"strings"
	"testing"
)

const hookSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// Admins manage webhook endpoints through the graph as through REST: the
// secret is answered once, the list and the (empty) delivery log read
// back, updates and deletes; customers are refused, bad input is
// BAD_USER_INPUT with its field.
func TestWebhookEndpoints(t *testing.T) {
	e := newEnv(t)
	var created struct {
		CreateWebhookEndpoint struct {
			Endpoint struct {
				ID         string
				URL        string
				EventTypes []string
				Enabled    bool
			}
			Secret string
		}
	}
	e.ok(e.admin(), `mutation($in: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $in) { endpoint { id url eventTypes enabled } secret } }`,
		vars("in", map[string]any{"url": "https://erp.example.com/hooks", "eventTypes": []string{"order.confirmed"}}), &created)
	c := created.CreateWebhookEndpoint
	if c.Endpoint.ID != "1" || !c.Endpoint.Enabled || len(c.Endpoint.EventTypes) != 1 || !strings.HasPrefix(c.Secret, "whsec_") {
		t.Fatalf("created %+v", c)
	}
	var list struct {
		WebhookEndpoints struct {
			Edges []struct{ Node struct{ ID, URL string } }
		}
		WebhookDeliveries struct{ Edges []struct{} }
	}
	e.ok(e.admin(), `{ webhookEndpoints(first: 10) { edges { node { id url } } } webhookDeliveries(endpointId: "1") { edges { node { id state log { attempt } } } } }`, nil, &list)
	if len(list.WebhookEndpoints.Edges) != 1 || list.WebhookEndpoints.Edges[0].Node.URL != "https://erp.example.com/hooks" || len(list.WebhookDeliveries.Edges) != 0 {
		t.Fatalf("list %+v", list)
	}
	var upd struct {
		UpdateWebhookEndpoint struct {
			Enabled        bool
			DisabledReason *string
		}
	}
	e.ok(e.admin(), `mutation { updateWebhookEndpoint(id: "1", input: { enabled: false, secret: "`+hookSecret+`" }) { enabled disabledReason } }`, nil, &upd)
	if upd.UpdateWebhookEndpoint.Enabled || upd.UpdateWebhookEndpoint.DisabledReason == nil {
		t.Fatalf("update %+v", upd)
	}
	bad := e.fails(e.admin(), `mutation { createWebhookEndpoint(input: { url: "ftp://x" }) { secret } }`, nil, "BAD_USER_INPUT")
	if bad.Message != "URL must be an absolute http or https URL" || bad.field() != "url" {
		t.Fatalf("bad input %+v", bad)
	}
	e.fails(e.customer(1), `{ webhookEndpoints { edges { node { id } } } }`, nil, "FORBIDDEN")
	e.fails(e.customer(1), `mutation { deleteWebhookEndpoint(id: "1") }`, nil, "FORBIDDEN")
	var del struct{ DeleteWebhookEndpoint string }
	e.ok(e.admin(), `mutation { deleteWebhookEndpoint(id: "1") }`, nil, &del)
	if del.DeleteWebhookEndpoint != "1" {
		t.Fatalf("delete %+v", del)
	}
	e.fails(e.admin(), `{ webhookEndpoint(id: "1") { id } }`, nil, "NOT_FOUND")
}
