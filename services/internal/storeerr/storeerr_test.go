package storeerr

import (
	"errors"
	"fmt"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/b2b-orders/platform/db"
	"github.com/b2b-orders/platform/services"
)

// A transaction that kept losing to concurrent ones is a conflict to try
// again, never an internal error: a deadlock and a lock wait timeout as
// the last attempt met them (wrapped, as a commit wraps them), or work
// that asked for another attempt once too often.
func TestContentionIsBusy(t *testing.T) {
	for _, err := range []error{
		fmt.Errorf("db: commit: %w", &mysql.MySQLError{Number: 1213, Message: "Deadlock found"}),
		&mysql.MySQLError{Number: 1205, Message: "Lock wait timeout exceeded"},
		fmt.Errorf("confirm: %w", db.ErrRetry),
	} {
		got := services.ErrorOf(Classify(err, "op"))
		if got.Kind != services.Conflict || got.Code != services.CodeBusy || !errors.Is(got, err) {
			t.Errorf("%v: %v (kind %s, code %s)", err, got, got.Kind, got.Code)
		}
	}
	if got := services.ErrorOf(Classify(&mysql.MySQLError{Number: 1064}, "op")); got.Kind != services.Internal {
		t.Errorf("a syntax error: kind %s", got.Kind)
	}
}
