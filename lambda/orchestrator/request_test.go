package orchestrator

import (
	"reflect"
	"strings"
	"testing"

	"github.com/b2b-orders/platform/services"
)

func TestParseRequest(t *testing.T) {
	cases := []struct {
		name string
		body string
		want Request
		err  string
	}{
		{"ok", `{"customer_id":1,"items":[{"product_id":2,"qty":3}],"idempotency_key":"k","correlation_id":"c"}`,
			Request{CustomerID: 1, Items: []Item{{ProductID: 2, Qty: 3}}, IdempotencyKey: "k", CorrelationID: "c"}, ""},
		{"no correlation", `{"customer_id":1,"items":[{"product_id":2,"qty":3}],"idempotency_key":"k"}`,
			Request{CustomerID: 1, Items: []Item{{ProductID: 2, Qty: 3}}, IdempotencyKey: "k"}, ""},
		{"not json", `{`, Request{}, "Invalid JSON"},
		{"array body", `[]`, Request{}, "Invalid JSON"},
		{"null body", `null`, Request{}, "Invalid JSON"},
		{"missing customer", `{"items":[{"product_id":2,"qty":3}],"idempotency_key":"k"}`, Request{}, "Required"},
		{"string customer", `{"customer_id":"1","items":[],"idempotency_key":"k"}`, Request{}, "Expected number, received string"},
		{"null customer", `{"customer_id":null}`, Request{}, "Expected number, received null"},
		{"float customer", `{"customer_id":1.5}`, Request{}, "Expected integer, received float"},
		{"zero customer", `{"customer_id":0}`, Request{}, "Invalid customer ID"},
		{"huge customer", `{"customer_id":1e30}`, Request{}, "Number must be less than or equal to 2147483647"},
		{"missing items", `{"customer_id":1,"idempotency_key":"k"}`, Request{}, "Required"},
		{"object items", `{"customer_id":1,"items":{}}`, Request{}, "Expected array, received object"},
		{"empty items", `{"customer_id":1,"items":[],"idempotency_key":"k"}`, Request{}, "At least one item is required"},
		{"item not object", `{"customer_id":1,"items":[3]}`, Request{}, "Expected object, received number"},
		{"zero qty", `{"customer_id":1,"items":[{"product_id":2,"qty":0}],"idempotency_key":"k"}`, Request{}, "Quantity must be at least 1"},
		{"string qty", `{"customer_id":1,"items":[{"product_id":2,"qty":"3"}]}`, Request{}, "Expected number, received string"},
		{"missing product", `{"customer_id":1,"items":[{"qty":3}]}`, Request{}, "Required"},
		{"missing key", `{"customer_id":1,"items":[{"product_id":2,"qty":3}]}`, Request{}, "Required"},
		{"empty key", `{"customer_id":1,"items":[{"product_id":2,"qty":3}],"idempotency_key":""}`, Request{}, "Idempotency key is required"},
		{"number key", `{"customer_id":1,"items":[{"product_id":2,"qty":3}],"idempotency_key":5}`, Request{}, "Expected string, received number"},
		{"number correlation", `{"correlation_id":5}`, Request{}, "Expected string, received number"},
		// The orchestrator's own ways, which the REST API does not share
		// (see jsonfields.Options and Fields.Objects).
		{"null correlation", `{"correlation_id":null,"customer_id":1,"items":[{"product_id":2,"qty":3}],"idempotency_key":"k"}`,
			Request{CustomerID: 1, Items: []Item{{ProductID: 2, Qty: 3}}, IdempotencyKey: "k"}, ""},
		{"empty correlation", `{"correlation_id":""}`, Request{}, "Correlation ID must not contain control characters"},
		{"empty body", ``, Request{}, "Invalid JSON"},
		{"byte order mark", "\ufeff{}", Request{}, "Invalid JSON"},
		{"customer beyond float64", `{"customer_id":1e400}`, Request{}, "Expected number, received string"},
		{"customer of 400 digits", `{"customer_id":1` + strings.Repeat("0", 400) + `}`, Request{}, "Expected number, received string"},
		{"whole float customer", `{"customer_id":1.0,"items":[{"product_id":2e0,"qty":3}],"idempotency_key":"k"}`,
			Request{CustomerID: 1, Items: []Item{{ProductID: 2, Qty: 3}}, IdempotencyKey: "k"}, ""},
		{"largest ids", `{"customer_id":2147483647,"items":[{"product_id":2147483647,"qty":2147483647}],"idempotency_key":"k"}`,
			Request{CustomerID: 2147483647, Items: []Item{{ProductID: 2147483647, Qty: 2147483647}}, IdempotencyKey: "k"}, ""},
		{"huge qty", `{"customer_id":1,"items":[{"product_id":2,"qty":2147483648}]}`, Request{}, "Number must be less than or equal to 2147483647"},
		{"negative product", `{"customer_id":1,"items":[{"product_id":-1e30,"qty":1}]}`, Request{}, "Invalid product ID"},
		{"items before their fields", `{"customer_id":1,"items":[{"product_id":"x"},3]}`, Request{}, "Expected object, received number"},
		{"null item", `{"customer_id":1,"items":[null],"idempotency_key":"k"}`, Request{}, "Required"},
		{"null item then a number", `{"customer_id":1,"items":[null,3]}`, Request{}, "Expected object, received null"},
		{"no items before the key", `{"customer_id":1,"items":[]}`, Request{}, "At least one item is required"},
		{"customer before items", `{"customer_id":0,"items":"x"}`, Request{}, "Invalid customer ID"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseRequest([]byte(tc.body))
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("error = %v, want %q", err, tc.err)
				}
				if services.KindOf(err) != services.Invalid {
					t.Fatalf("error %v of kind %v", err, services.KindOf(err))
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
	// The correlation id survives an invalid request, for the error answer.
	got, _ := ParseRequest([]byte(`{"correlation_id":"abc","customer_id":"x"}`))
	if got.CorrelationID != "abc" {
		t.Fatalf("correlation id = %q", got.CorrelationID)
	}
}
