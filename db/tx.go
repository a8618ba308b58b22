package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/b2b-orders/platform/ent"
)

// MaxTxRetries is how many times WithTx runs fn again on MySQL after a
// deadlock or lock wait timeout (so fn runs at most MaxTxRetries+1 times).
const MaxTxRetries = 3

// WithTx runs fn in one transaction: begin, fn, commit. If fn returns an
// error or panics, the transaction is rolled back (and the panic goes on).
//
// On MySQL, when the transaction fails with a deadlock (1213) or a lock wait
// timeout (1205) — returned by fn (wrapped is fine) or by the commit — the
// whole of fn runs again in a new transaction, up to MaxTxRetries times. So
// fn must have no effects outside tx. SQLite transactions take the write lock
// at BEGIN, so they queue instead of deadlocking and are not retried.
//
// Errors: fn's error as fn returned it (joined with a rollback error, if
// rollback failed too); "db: begin: ..." or "db: commit: ..." wrapping the
// driver error otherwise — a failed commit is never reported as success.
// After the retries, the last deadlock error. ctx ending stops the retries.
func (d *DB) WithTx(ctx context.Context, fn func(tx *ent.Tx) error) error {
	attempts := 1
	if d.Dialect == dialectMySQL {
		attempts += MaxTxRetries
	}
	var err error
	for attempt := range attempts {
		if attempt > 0 {
			if werr := backoff(ctx, attempt); werr != nil {
				return errors.Join(err, werr)
			}
		}
		err = d.runTx(ctx, fn)
		if err == nil || !isRetryable(err) {
			return err
		}
	}
	return err
}

func (d *DB) runTx(ctx context.Context, fn func(tx *ent.Tx) error) error {
	tx, err := d.Client.Tx(ctx)
	if err != nil {
		return fmt.Errorf("db: begin: %w", err)
	}
	finished := false
	defer func() {
		if finished {
			return
		}
		// fn panicked, or called runtime.Goexit (t.FailNow in a test):
		// give the connection back before unwinding further.
		p := recover()
		_ = tx.Rollback()
		if p != nil {
			panic(p)
		}
	}()
	err = fn(tx)
	finished = true
	if err != nil {
		if rerr := tx.Rollback(); rerr != nil && !errors.Is(rerr, sql.ErrTxDone) {
			return errors.Join(err, fmt.Errorf("db: rollback: %w", rerr))
		}
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("db: commit: %w", err)
	}
	return nil
}

// backoff waits a little, with jitter, so the two sides of a deadlock do
// not collide again at once.
func backoff(ctx context.Context, attempt int) error {
	wait := rand.N(time.Duration(attempt) * 5 * time.Millisecond)
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}
