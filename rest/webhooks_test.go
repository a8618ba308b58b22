package rest_test

import (
	"strings"
	"testing"
)

const (
	webhooksURL = v1 + "/webhooks"
	hookSecret  = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	newHook     = `{"url":"https://erp.example.com/hooks","secret":"` + hookSecret + `","event_types":["order.confirmed","order.canceled"]}`
)

var hookSetup = []request{post(webhooksURL, newHook)}

var webhookCases = []contractCase{
	{name: "create", req: post(webhooksURL, newHook), status: 201},
	{name: "create every type", req: post(webhooksURL, `{"url":"http://wh.example.com:8080/b2b?src=1","secret":"`+hookSecret+`"}`), status: 201},
	// The secret is random: no golden file (TestGeneratedWebhookSecret checks it).
	{name: "create generates a secret", req: post(webhooksURL, `{"url":"https://erp.example.com/hooks"}`), status: 201, noGolden: true},
	{name: "create empty body", req: post(webhooksURL, ``), status: 400, msg: "Required"},
	{name: "create url number", req: post(webhooksURL, `{"url":1}`), status: 400, msg: "Expected string, received number"},
	{name: "create relative url", req: post(webhooksURL, `{"url":"/hooks"}`), status: 400, msg: "URL must be an absolute http or https URL"},
	{name: "create ftp url", req: post(webhooksURL, `{"url":"ftp://erp.example.com/"}`), status: 400, msg: "URL must be an absolute http or https URL"},
	{name: "create url with credentials", req: post(webhooksURL, `{"url":"https://u:p@erp.example.com/"}`), status: 400, msg: "URL must be an absolute http or https URL"},
	{name: "create long url", req: post(webhooksURL, `{"url":"https://erp.example.com/`+strings.Repeat("a", 2048)+`"}`), status: 400, msg: "URL must be at most 2048 characters"},
	{name: "create bad secret", req: post(webhooksURL, `{"url":"https://erp.example.com/","secret":"whsec_short"}`), status: 400, msg: "Secret must be whsec_ followed by the base64 of 24 to 64 bytes"},
	{name: "create unknown type", req: post(webhooksURL, `{"url":"https://erp.example.com/","event_types":["order.shipped"]}`), status: 400, msg: "Unknown event type: order.shipped"},
	{name: "create types not array", req: post(webhooksURL, `{"url":"https://erp.example.com/","event_types":"order.created"}`), status: 400, msg: "Expected array, received string"},
	{name: "create type number", req: post(webhooksURL, `{"url":"https://erp.example.com/","event_types":[1]}`), status: 400, msg: "Expected string, received number"},
	{name: "create malformed JSON", req: post(webhooksURL, `{"url":`), status: 400, msg: "Invalid JSON"},
	{name: "create JSON array", req: post(webhooksURL, `[]`), status: 400, msg: "Expected object, received array"},

	{name: "list", setup: []request{post(webhooksURL, newHook), post(webhooksURL, `{"url":"https://b.example.com/","secret":"`+hookSecret+`"}`)}, req: get(webhooksURL + "?limit=1"), status: 200},
	{name: "list empty", req: get(webhooksURL), status: 200},
	{name: "list repeated limit", req: get(webhooksURL + "?limit=1&limit=2"), status: 400, msg: "Invalid query parameters"},

	{name: "get", setup: hookSetup, req: get(webhooksURL + "/1"), status: 200},
	{name: "get unknown", req: get(webhooksURL + "/9"), status: 404, msg: "Webhook not found"},
	{name: "get bad id", req: get(webhooksURL + "/x"), status: 400, msg: "Invalid webhook ID"},

	{name: "update", setup: hookSetup, req: patch(webhooksURL+"/1", `{"url":"https://erp.example.com/v2","event_types":[]}`), status: 200},
	{name: "update disable", setup: hookSetup, req: patch(webhooksURL+"/1", `{"enabled":false}`), status: 200},
	{name: "update enable", setup: []request{post(webhooksURL, newHook), patch(webhooksURL+"/1", `{"enabled":false}`)}, req: patch(webhooksURL+"/1", `{"enabled":true}`), status: 200},
	{name: "update nothing", setup: hookSetup, req: patch(webhooksURL+"/1", `{}`), status: 400, msg: "At least one field must be provided for update"},
	{name: "update enabled string", setup: hookSetup, req: patch(webhooksURL+"/1", `{"enabled":"no"}`), status: 400, msg: "Expected boolean, received string"},
	{name: "update bad url", setup: hookSetup, req: patch(webhooksURL+"/1", `{"url":"erp"}`), status: 400, msg: "URL must be an absolute http or https URL"},
	{name: "update unknown", req: patch(webhooksURL+"/9", `{"enabled":true}`), status: 404, msg: "Webhook not found"},
	{name: "update bad id", req: patch(webhooksURL+"/0", `{"enabled":true}`), status: 400, msg: "Invalid webhook ID"},

	{name: "delete", setup: hookSetup, req: del(webhooksURL + "/1"), status: 204},
	{name: "delete unknown", req: del(webhooksURL + "/9"), status: 404, msg: "Webhook not found"},
	{name: "delete bad id", req: del(webhooksURL + "/-1"), status: 400, msg: "Invalid webhook ID"},

	{name: "deliveries", setup: hookSetup, req: get(webhooksURL + "/1/deliveries"), status: 200},
	{name: "deliveries unknown", req: get(webhooksURL + "/9/deliveries"), status: 404, msg: "Webhook not found"},
	{name: "deliveries bad id", req: get(webhooksURL + "/x/deliveries"), status: 400, msg: "Invalid webhook ID"},
	{name: "deliveries repeated cursor", setup: hookSetup, req: get(webhooksURL + "/1/deliveries?cursor=1&cursor=2"), status: 400, msg: "Invalid query parameters"},
}

// webhookRoutes are the routes for generatedCases' shared rows.
var webhookRoutes = []request{
	post(webhooksURL, newHook), get(webhooksURL), get(webhooksURL + "/1"), patch(webhooksURL+"/1", `{"enabled":true}`),
	del(webhooksURL + "/1"), get(webhooksURL + "/1/deliveries"),
}

func TestContractWebhooks(t *testing.T) { runContract(t, inProcess, "webhooks", webhookCases) }

// Without a secret, one is generated and shown once: whsec_ and the
// base64 of 32 bytes, never in a later answer.
func TestGeneratedWebhookSecret(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var created struct {
		ID     int    `json:"id"`
		Secret string `json:"secret"`
	}
	dataOf(t, e.must(t, post(webhooksURL, `{"url":"https://erp.example.com/hooks"}`)).body, &created)
	if !strings.HasPrefix(created.Secret, "whsec_") || len(created.Secret) != len("whsec_")+44 {
		t.Fatalf("secret %q", created.Secret)
	}
	for _, rq := range []request{get(webhooksURL), get(webhooksURL + "/" + itoa(created.ID))} {
		if body := string(e.must(t, rq).body); strings.Contains(body, created.Secret) || strings.Contains(body, `"secret"`) {
			t.Fatalf("%s shows the secret: %s", rq.path, body)
		}
	}
}
