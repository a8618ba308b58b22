package orders

import (
	"context"
	"errors"

	"github.com/b2b-orders/platform/ent"
	"github.com/b2b-orders/platform/services"
	"github.com/b2b-orders/platform/services/internal/storeerr"
)

// errRetry asks inTx to run the transaction again: a row it read changed
// under it, or a concurrent duplicate key committed first.
var errRetry = errors.New("retry transaction")

// maxAttempts bounds how often a call runs its transaction again after
// another transaction changed what it read.
const maxAttempts = 5

// errBusy answers a call whose transaction kept losing races.
var errBusy = services.Errorf(services.Conflict, services.CodeConflict, "The order changed concurrently; try again")

// inTx runs fn in a transaction, again when it asks for a retry, and
// translates what comes out.
func (s *Service) inTx(ctx context.Context, fn func(tx *ent.Tx) error) error {
	for range maxAttempts {
		err := s.db.WithTx(ctx, fn)
		if !errors.Is(err, errRetry) {
			return storeerr.Classify(err, "orders transaction")
		}
	}
	return errBusy
}
