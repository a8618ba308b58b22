// Package storeerr translates what the store (and the roles a service asks
// over the network) fail with into the services' error vocabulary. It
// lives apart from package services so that everything that only needs
// the vocabulary (auth, the Lambda) does not link the database drivers.
package storeerr

import (
	"context"
	"errors"
	"fmt"

	"github.com/b2b-orders/platform/db"
	"github.com/b2b-orders/platform/services"
)

// Classify classifies err, keeping it as the cause: Canceled when the
// caller went away (context.Canceled); Unavailable when the
// database (or a role asked over the network) did not answer; Busy (a
// Conflict) when the call's transaction kept losing to concurrent ones
// through every attempt of the retry policy (db.IsContention); Internal
// otherwise. Errors that
// are already *services.Error pass through.
func Classify(err error, op string) error {
	if err == nil {
		return nil
	}
	var se *services.Error
	if errors.As(err, &se) {
		return err
	}
	if errors.Is(err, context.Canceled) {
		return services.CanceledBy(fmt.Errorf("%s: %w", op, err))
	}
	if db.IsUnavailable(err) {
		return services.Outage(fmt.Errorf("%s: %w", op, err))
	}
	if db.IsContention(err) {
		return services.Busy(fmt.Errorf("%s: %w", op, err))
	}
	return services.WrapInternal(err, op)
}
