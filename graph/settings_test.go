package graph_test

import (
	"testing"
	"time"

	"github.com/b2b-orders/platform/internal/gqlcode"
	"github.com/b2b-orders/platform/services"
)

type settingsView struct {
	PONumberRequired bool    `json:"poNumberRequired"`
	PONumberUnique   bool    `json:"poNumberUnique"`
	PaymentTerms     *string `json:"paymentTerms"`
}

type poOrderView struct {
	ID           string
	Status       string
	PONumber     *string `json:"poNumber"`
	PaymentTerms *string `json:"paymentTerms"`
	ConfirmedAt  *string `json:"confirmedAt"`
	DueAt        *string `json:"dueAt"`
}

const (
	settingsFields = `poNumberRequired poNumberUnique paymentTerms`
	poOrderFields  = `id status poNumber paymentTerms confirmedAt dueAt`
)

// A customer's settings: staff set the PO number rules and the payment
// terms, which its orders then follow (a PO number required and unique,
// the terms snapshotted, the due date from the confirmation); another
// customer's member sees none of it; the customer's admin changes the PO
// number rules but not the terms.
func TestCustomerSettingsAndPONumbers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	staff := e.token(services.RoleStaff, 0)
	admin1, buyer2, admin4 := e.member(1, 1), e.member(1, 2), e.member(2, 4)

	const update = `mutation($id: ID!, $in: CustomerSettingsInput!) { customerSettingsUpdate(customerId: $id, input: $in) { ` + settingsFields + ` } }`
	var set struct{ CustomerSettingsUpdate settingsView }
	e.ok(staff, update, vars("id", "1", "in", map[string]any{"poNumberRequired": true, "poNumberUnique": true, "paymentTerms": "NET_30"}), &set)
	if s := set.CustomerSettingsUpdate; !s.PONumberRequired || !s.PONumberUnique || s.PaymentTerms == nil || *s.PaymentTerms != "NET_30" {
		t.Fatalf("settings set by staff: %+v", s)
	}
	var read struct {
		Customer struct{ Settings settingsView }
	}
	e.ok(buyer2, `{ customer(id: "1") { settings { `+settingsFields+` } } }`, nil, &read)
	if r := read.Customer.Settings; !r.PONumberRequired || !r.PONumberUnique || r.PaymentTerms == nil || *r.PaymentTerms != "NET_30" {
		t.Fatalf("settings read by a buyer: %+v", read.Customer.Settings)
	}

	const create = `mutation($in: CreateOrderInput!) { createOrder(input: $in) { ` + poOrderFields + ` } }`
	line := []any{map[string]any{"productId": "10", "quantity": 1}}
	reason := func(g gqlError, want string) {
		t.Helper()
		if got, _ := g.Extensions["reason"].(string); got != want {
			t.Fatalf("reason = %q (%+v), want %s", got, g, want)
		}
	}
	reason(e.fails(buyer2, create, vars("in", map[string]any{"customerId": "1", "items": line}), gqlcode.BadUserInput),
		services.CodePONumberRequired)

	var placed struct{ CreateOrder poOrderView }
	e.ok(buyer2, create, vars("in", map[string]any{"customerId": "1", "items": line, "poNumber": " PO-1 "}), &placed)
	o := placed.CreateOrder
	if o.PONumber == nil || *o.PONumber != "PO-1" || o.PaymentTerms == nil || *o.PaymentTerms != "NET_30" || o.DueAt != nil || o.Status != "CREATED" {
		t.Fatalf("an order with a PO number: %+v", o)
	}
	reason(e.fails(buyer2, create, vars("in", map[string]any{"customerId": "1", "items": line, "poNumber": "PO-1"}), gqlcode.Conflict),
		services.CodePONumberTaken)

	var cc struct{ CreateAndConfirmOrder poOrderView }
	e.ok(buyer2, `mutation($in: CreateAndConfirmOrderInput!) { createAndConfirmOrder(input: $in) { `+poOrderFields+` } }`,
		vars("in", map[string]any{"customerId": "1", "items": line, "poNumber": "PO-2", "idempotencyKey": "po-2"}), &cc)
	c := cc.CreateAndConfirmOrder
	if c.Status != "CONFIRMED" || c.ConfirmedAt == nil || c.DueAt == nil || c.PONumber == nil || *c.PONumber != "PO-2" {
		t.Fatalf("createAndConfirmOrder with a PO number: %+v", c)
	}
	confirmed, err := time.Parse(time.RFC3339Nano, *c.ConfirmedAt)
	if err != nil {
		t.Fatal(err)
	}
	if due, err := time.Parse(time.RFC3339Nano, *c.DueAt); err != nil || !due.Equal(confirmed.AddDate(0, 0, 30)) {
		t.Fatalf("dueAt = %s, want confirmedAt %s + 30 days (%v)", *c.DueAt, *c.ConfirmedAt, err)
	}

	var found struct{ Orders edgesOf[poOrderView] }
	e.ok(staff, `{ orders(first: 100, poNumber: "PO-1") { edges { node { `+poOrderFields+` } } } }`, nil, &found)
	if len(found.Orders.Edges) != 1 || found.Orders.Edges[0].Node.ID != o.ID {
		t.Fatalf("orders(poNumber: PO-1): %+v", found.Orders)
	}

	// Another customer's member: neither read nor change.
	e.fails(admin4, `{ customer(id: "1") { settings { `+settingsFields+` } } }`, nil, gqlcode.NotFound)
	e.fails(admin4, update, vars("id", "1", "in", map[string]any{"poNumberRequired": false}), gqlcode.NotFound)

	// The customer's admin: the PO number rules, not the terms.
	set = struct{ CustomerSettingsUpdate settingsView }{}
	e.ok(admin1, update, vars("id", "1", "in", map[string]any{"poNumberRequired": false}), &set)
	if s := set.CustomerSettingsUpdate; s.PONumberRequired || !s.PONumberUnique || s.PaymentTerms == nil || *s.PaymentTerms != "NET_30" {
		t.Fatalf("settings after the admin's change: %+v", s)
	}
	e.fails(admin1, update, vars("id", "1", "in", map[string]any{"paymentTerms": "NET_60"}), gqlcode.Forbidden)
	// A buyer changes nothing; bad terms are the caller's input.
	e.fails(buyer2, update, vars("id", "1", "in", map[string]any{"poNumberUnique": false}), gqlcode.Forbidden)
	e.fails(staff, update, vars("id", "1", "in", map[string]any{"paymentTerms": "NET_0"}), gqlcode.BadUserInput)
	// Staff clear the terms with "".
	set = struct{ CustomerSettingsUpdate settingsView }{}
	e.ok(staff, update, vars("id", "1", "in", map[string]any{"paymentTerms": ""}), &set)
	if set.CustomerSettingsUpdate.PaymentTerms != nil {
		t.Fatalf("terms cleared: %+v", set.CustomerSettingsUpdate)
	}
}
