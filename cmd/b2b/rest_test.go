package main

import (
	"testing"

	"github.com/b2b-orders/platform/internal/directory"
	"github.com/b2b-orders/platform/services/customers"
)

// The orders service asks the customers role over HTTP only when nothing
// in this process can read customers itself.
func TestCustomerDirectory(t *testing.T) {
	local := customers.New(nil, nil)
	byName := func(names ...string) []role {
		var out []role
		for _, rl := range roles() {
			for _, n := range names {
				if rl.name == n {
					out = append(out, rl)
				}
			}
		}
		return out
	}
	cfg := Config{CustomersAPIBase: "http://customers:3001", ServiceToken: "svc"}
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
		dir := customerDirectory(cfg, byName(tc.roles...), local)
		if _, isLocal := dir.(*customers.Service); isLocal != tc.local {
			t.Errorf("roles %v: local = %v, want %v", tc.roles, isLocal, tc.local)
		}
		if c, ok := dir.(*directory.Client); ok && (c.Base != cfg.CustomersAPIBase || c.ServiceToken != "svc") {
			t.Errorf("roles %v: client %+v", tc.roles, c)
		}
	}
}
