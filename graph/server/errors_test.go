package server

import (
	"testing"

	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/b2b-orders/platform/internal/gqlcode"
	"github.com/b2b-orders/platform/services"
)

// The services' codes clients tell apart travel as extensions.reason,
// beside the code of their kind: the governance refusals among them.
func TestServiceCodesAsReasons(t *testing.T) {
	for _, c := range []struct {
		kind   services.Kind
		reason string
		code   string
	}{
		{services.FailedPrecondition, services.CodeInsufficientStock, gqlcode.InsufficientStock},
		{services.Conflict, services.CodePONumberTaken, gqlcode.Conflict},
		{services.Conflict, services.CodeSpendingLimitExceeded, gqlcode.Conflict},
		{services.Conflict, services.CodeCreditLimitExceeded, gqlcode.Conflict},
		{services.FailedPrecondition, services.CodeApprovalExpired, gqlcode.FailedPrecondition},
		{services.FailedPrecondition, services.CodeInvalidTransition, gqlcode.FailedPrecondition},
		{services.PermissionDenied, services.CodeSelfApproval, gqlcode.Forbidden},
		{services.PermissionDenied, services.CodePermissionDenied, gqlcode.Forbidden},
	} {
		se := services.Errorf(c.kind, c.reason, "refused")
		got := present(&gqlerror.Error{}, se)
		if got.Extensions["code"] != c.code || got.Extensions["reason"] != c.reason || got.Message != "refused" {
			t.Errorf("%s (%s): %+v, want code %s with reason %s", c.reason, c.kind, got.Extensions, c.code, c.reason)
		}
	}
}
