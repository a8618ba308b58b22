package orders

import (
	"context"
	"errors"

	"github.com/b2b-orders/platform/db"
	"github.com/b2b-orders/platform/ent"
	"github.com/b2b-orders/platform/services"
	"github.com/b2b-orders/platform/services/internal/storeerr"
)

// errRetry asks for another attempt of the transaction (db.ErrRetry): a row
// it read changed under it, or a concurrent duplicate key committed first.
var errRetry = db.ErrRetry

// errBusy answers a call whose transaction kept losing races through every
// attempt the retry policy (db.MaxTxAttempts) allows.
var errBusy = services.Errorf(services.Conflict, services.CodeConflict, "The order changed concurrently; try again")

// inTx runs fn in a transaction under the one retry policy (db.WithTx) and
// translates what comes out.
func (s *Service) inTx(ctx context.Context, fn func(tx *ent.Tx) error) error {
	return s.outcome(s.db.WithTx(ctx, fn), "orders transaction")
}

// outcome translates the error of a retried step: errBusy when it asked
// for more attempts than the policy allows, else the store's error
// classified.
func (s *Service) outcome(err error, op string) error {
	if errors.Is(err, errRetry) {
		return errBusy
	}
	return storeerr.Classify(err, op)
}
