// Package servicetest has what the services' tests share: contexts with
// principals and a clock that moves only when told (clocktest's).
package servicetest

import (
	"context"
	"time"

	"github.com/b2b-orders/platform/internal/clocktest"
	"github.com/b2b-orders/platform/services"
)

// As returns a background context carrying a principal of the given role.
func As(role services.Role, customerID int) context.Context {
	return services.WithPrincipal(context.Background(), services.Principal{Role: role, CustomerID: customerID, Subject: string(role)})
}

// Admin is a context of an admin principal.
func Admin() context.Context { return As(services.RoleAdmin, 0) }

// Clock is a settable clock, safe for concurrent use.
type Clock = clocktest.Clock

// NewClock returns a clock stopped at t.
func NewClock(t time.Time) *Clock { return clocktest.New(t) }
