package orchestrator

import (
	"reflect"
	"testing"
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
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseRequest([]byte(tc.body))
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("error = %v, want %q", err, tc.err)
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
