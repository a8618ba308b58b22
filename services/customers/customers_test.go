package customers_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/b2b-orders/platform/db/dbtest"
	"github.com/b2b-orders/platform/services"
	"github.com/b2b-orders/platform/services/customers"
	"github.com/b2b-orders/platform/services/internal/servicetest"
)

func ptr[T any](v T) *T { return &v }

func newService(t *testing.T) *customers.Service {
	t.Helper()
	return customers.New(dbtest.Open(t), customers.Config{})
}

// wantErr asserts err is a services error of the kind and message.
func wantErr(t *testing.T, err error, kind services.Kind, msg string) {
	t.Helper()
	var se *services.Error
	if !errors.As(err, &se) {
		t.Fatalf("error = %v, want a services.Error %v %q", err, kind, msg)
	}
	if se.Kind != kind || se.Message != msg {
		t.Fatalf("error = %v %q, want %v %q", se.Kind, se.Message, kind, msg)
	}
}

func TestCreateValidation(t *testing.T) {
	svc := newService(t)
	ctx := servicetest.Admin()
	long := strings.Repeat("é", 256)
	cases := []struct {
		name string
		in   customers.CreateInput
		msg  string
	}{
		{"empty name", customers.CreateInput{Name: "", Email: "a@b.co"}, "Name is required"},
		{"long name", customers.CreateInput{Name: long, Email: "a@b.co"}, "Name must be less than 255 characters"},
		{"name first", customers.CreateInput{Name: "", Email: "nope"}, "Name is required"},
		{"bad email", customers.CreateInput{Name: "A", Email: "nope"}, "Invalid email format"},
		{"email without tld", customers.CreateInput{Name: "A", Email: "a@b"}, "Invalid email format"},
		{"email double dot", customers.CreateInput{Name: "A", Email: "a..b@c.com"}, "Invalid email format"},
		{"long email", customers.CreateInput{Name: "A", Email: strings.Repeat("a", 250) + "@b.com"}, "Email must be less than 255 characters"},
		{"long phone", customers.CreateInput{Name: "A", Email: "a@b.co", Phone: ptr(strings.Repeat("1", 51))}, "Phone must be less than 50 characters"},
		{"nul in name", customers.CreateInput{Name: "a\x00b", Email: "a@b.co"}, "Invalid characters in name"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := svc.Create(ctx, tc.in)
			wantErr(t, err, services.Invalid, tc.msg)
		})
	}
	// 255 multi-byte characters fit: lengths are characters, not bytes.
	c, err := svc.Create(ctx, customers.CreateInput{Name: strings.Repeat("é", 255), Email: "x@y.com"})
	if err != nil || c.Name != strings.Repeat("é", 255) {
		t.Fatalf("255 characters: %v", err)
	}
}

func TestCRUD(t *testing.T) {
	svc := newService(t)
	ctx := servicetest.Admin()
	c, err := svc.Create(ctx, customers.CreateInput{Name: "ACME Corporation", Email: "ops@acme.com", Phone: ptr("+1-555-0101")})
	if err != nil {
		t.Fatal(err)
	}
	if c.ID < 1 || c.CreatedAt.IsZero() || *c.Phone != "+1-555-0101" {
		t.Fatalf("created %+v", c)
	}
	got, err := svc.Get(ctx, c.ID)
	if err != nil || got.Email != "ops@acme.com" || !got.CreatedAt.Equal(c.CreatedAt) {
		t.Fatalf("get = %+v, %v; created %+v", got, err, c)
	}
	_, err = svc.Create(ctx, customers.CreateInput{Name: "Other", Email: "OPS@Acme.com"})
	wantErr(t, err, services.Conflict, "Email already exists")
	// An update that changes nothing still answers with the customer.
	if same, err := svc.Update(ctx, c.ID, customers.UpdateInput{Name: ptr(c.Name)}); err != nil || same.Name != c.Name {
		t.Fatalf("no-op update = %+v, %v", same, err)
	}

	_, err = svc.Update(ctx, c.ID, customers.UpdateInput{})
	wantErr(t, err, services.Invalid, "At least one field must be provided for update")
	up, err := svc.Update(ctx, c.ID, customers.UpdateInput{Name: ptr("ACME Corp")})
	if err != nil || up.Name != "ACME Corp" || up.Email != "ops@acme.com" {
		t.Fatalf("update = %+v, %v", up, err)
	}
	other, err := svc.Create(ctx, customers.CreateInput{Name: "Other", Email: "other@acme.com"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = svc.Update(ctx, other.ID, customers.UpdateInput{Email: ptr("ops@acme.com")})
	wantErr(t, err, services.Conflict, "Email already exists")
	_, err = svc.Update(ctx, 999, customers.UpdateInput{Name: ptr("x")})
	wantErr(t, err, services.NotFound, "Customer not found")

	if err := svc.Delete(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	wantErr(t, svc.Delete(ctx, c.ID), services.NotFound, "Customer not found")
	_, err = svc.Get(ctx, c.ID)
	wantErr(t, err, services.NotFound, "Customer not found")
	if ok, err := svc.Exists(ctx, c.ID); ok || err != nil {
		t.Fatalf("exists after delete = %v, %v", ok, err)
	}
	// A deleted customer's email is free again.
	again, err := svc.Create(ctx, customers.CreateInput{Name: "ACME again", Email: "ops@acme.com"})
	if err != nil || again.ID == c.ID {
		t.Fatalf("re-create = %+v, %v", again, err)
	}
	_, err = svc.Get(ctx, 0)
	wantErr(t, err, services.Invalid, "Invalid customer ID")
}

func TestListSearchAndPages(t *testing.T) {
	svc := newService(t)
	ctx := servicetest.Admin()
	for i := 1; i <= 25; i++ {
		domain := "example.com"
		if i%5 == 0 {
			domain = "five.org"
		}
		if _, err := svc.Create(ctx, customers.CreateInput{Name: fmt.Sprintf("Customer %02d", i), Email: fmt.Sprintf("c%d@%s", i, domain)}); err != nil {
			t.Fatal(err)
		}
	}
	var seen []int
	after := 0
	for pages := 0; ; pages++ {
		page, err := svc.List(ctx, customers.ListParams{After: after, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range page.Items {
			seen = append(seen, c.ID)
		}
		if !page.HasMore {
			if pages != 2 || len(page.Items) != 5 {
				t.Fatalf("last page %d has %d items", pages, len(page.Items))
			}
			break
		}
		after = page.Items[len(page.Items)-1].ID
	}
	if len(seen) != 25 {
		t.Fatalf("saw %d customers", len(seen))
	}
	for i := 1; i < len(seen); i++ {
		if seen[i] <= seen[i-1] {
			t.Fatalf("ids not ascending: %v", seen)
		}
	}
	page, err := svc.List(ctx, customers.ListParams{Search: "five.org"})
	if err != nil || len(page.Items) != 5 || page.HasMore {
		t.Fatalf("search by email: %d items, more %v, %v", len(page.Items), page.HasMore, err)
	}
	page, err = svc.List(ctx, customers.ListParams{Search: "FIVE.ORG"})
	if err != nil || len(page.Items) != 5 {
		t.Fatalf("search ignoring case: %d items, %v", len(page.Items), err)
	}
	page, err = svc.List(ctx, customers.ListParams{Search: "Customer 1"})
	if err != nil || len(page.Items) != 10 {
		t.Fatalf("search by name: %d items, %v", len(page.Items), err)
	}
	// LIKE metacharacters are matched literally.
	page, err = svc.List(ctx, customers.ListParams{Search: "%"})
	if err != nil || len(page.Items) != 0 {
		t.Fatalf("search %%: %d items, %v", len(page.Items), err)
	}
	page, err = svc.List(ctx, customers.ListParams{Limit: 1000})
	if err != nil || len(page.Items) != 25 {
		t.Fatalf("limit clamp: %d, %v", len(page.Items), err)
	}
	_, err = svc.List(ctx, customers.ListParams{Search: strings.Repeat("a", 256)})
	wantErr(t, err, services.Invalid, "Invalid query parameters")
}

func TestAuthorization(t *testing.T) {
	svc := newService(t)
	admin := servicetest.Admin()
	a, _ := svc.Create(admin, customers.CreateInput{Name: "A", Email: "a@a.com"})
	b, _ := svc.Create(admin, customers.CreateInput{Name: "B", Email: "b@b.com"})
	asA := servicetest.As(services.RoleCustomer, a.ID)

	if _, err := svc.Get(asA, a.ID); err != nil {
		t.Fatalf("own customer: %v", err)
	}
	_, err := svc.Get(asA, b.ID)
	wantErr(t, err, services.NotFound, "Customer not found")
	_, err = svc.Update(asA, b.ID, customers.UpdateInput{Name: ptr("x")})
	wantErr(t, err, services.NotFound, "Customer not found")
	page, err := svc.List(asA, customers.ListParams{})
	if err != nil || len(page.Items) != 1 || page.Items[0].ID != a.ID {
		t.Fatalf("customer list = %+v, %v", page, err)
	}
	many, err := svc.GetCustomers(asA, []int{a.ID, b.ID})
	if err != nil || len(many) != 1 || many[0].ID != a.ID {
		t.Fatalf("GetCustomers = %+v, %v", many, err)
	}
	_, err = svc.Create(asA, customers.CreateInput{Name: "C", Email: "c@c.com"})
	wantErr(t, err, services.PermissionDenied, "Permission denied")
	wantErr(t, svc.Delete(asA, a.ID), services.PermissionDenied, "Permission denied")

	_, err = svc.Get(t.Context(), a.ID)
	wantErr(t, err, services.Unauthenticated, "Authentication required")
	// The anonymous principal of open routes acts like staff.
	if _, err := svc.Get(services.WithPrincipal(t.Context(), services.Anonymous), b.ID); err != nil {
		t.Fatalf("anonymous get: %v", err)
	}
}

// Two creates with one email race: the unique index decides, and the loser
// gets the same Conflict as a sequential duplicate.
func TestCreateRaceSameEmail(t *testing.T) {
	svc := newService(t)
	ctx := servicetest.Admin()
	const n = 16
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			_, errs[i] = svc.Create(ctx, customers.CreateInput{Name: "Racer", Email: "race@example.com"})
		})
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
			continue
		}
		wantErr(t, err, services.Conflict, "Email already exists")
	}
	if ok != 1 {
		t.Fatalf("%d creates succeeded, want 1", ok)
	}
}
