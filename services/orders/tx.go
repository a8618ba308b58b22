package orders

import (
	"context"

	"github.com/b2b-orders/platform/db"
	"github.com/b2b-orders/platform/ent"
	"github.com/b2b-orders/platform/services/internal/storeerr"
)

// errRetry asks for another attempt of the transaction (db.ErrRetry): a row
// it read changed under it, or a concurrent duplicate key committed first.
var errRetry = db.ErrRetry

// inTx runs fn in a transaction under the one retry policy (db.WithTx) and
// translates what comes out (storeerr.Classify: a transaction that lost to
// concurrent ones through every attempt is services.Busy).
func (s *Service) inTx(ctx context.Context, fn func(tx *ent.Tx) error) error {
	return storeerr.Classify(s.db.WithTx(ctx, fn), "orders transaction")
}
