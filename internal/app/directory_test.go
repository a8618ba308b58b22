package app

import (
	"testing"

	"github.com/b2b-orders/platform/db/dbtest"
	"github.com/b2b-orders/platform/internal/config"
	"github.com/b2b-orders/platform/internal/directory"
	"github.com/b2b-orders/platform/services/customers"
)

// The orders service asks the customers role over HTTP only when nothing
// in this process can read customers itself; it checks a customer within
// the order's insert only when it reads customers from its own store.
func TestCustomerDirectory(t *testing.T) {
	store := dbtest.Open(t)
	cfg := config.Config{CustomersAPIBase: "http://customers:3001", ServiceToken: "svc"}
	for _, tc := range []struct {
		roles []string
		local bool
	}{
		{[]string{"customers", "orders", "orchestrator", "graph"}, true},
		{[]string{"orders", "customers"}, true},
		{[]string{"graph"}, true},
		{[]string{"orders"}, false},
		{[]string{"orders", "orchestrator"}, false},
	} {
		rs, err := RolesNamed(tc.roles...)
		if err != nil {
			t.Fatal(err)
		}
		dir, local := customerDirectory(cfg, rs, store)
		if _, isLocal := dir.(*customers.Directory); isLocal != tc.local || local != tc.local {
			t.Errorf("roles %v: local = %v, want %v", tc.roles, isLocal, tc.local)
		}
		if c, ok := dir.(*directory.Client); ok && (c.Base != cfg.CustomersAPIBase || c.ServiceToken != "svc") {
			t.Errorf("roles %v: client %+v", tc.roles, c)
		}
	}
}

// A Config left at zero (as tests build it) still gives the orchestrator's
// graph client and the webhook client a timeout: a zero would mean none.
func TestZeroConfigKeepsTimeouts(t *testing.T) {
	a := New(Options{Store: dbtest.Open(t), Roles: Roles()})
	if a.cfg.GraphTimeout <= 0 || a.cfg.Webhooks.Timeout <= 0 {
		t.Fatalf("graph timeout %v, webhook timeout %v", a.cfg.GraphTimeout, a.cfg.Webhooks.Timeout)
	}
	if a.deliverer == nil || a.deliverer.Client.Timeout <= 0 {
		t.Fatalf("webhook client without a timeout: %+v", a.deliverer)
	}
}
