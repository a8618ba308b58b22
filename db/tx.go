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

// The retry policy of every transaction, stated once here. A call runs its
// work at most MaxTxAttempts times. It runs it again when the work fails
// with ErrRetry (the work saw a row change under it, or a concurrent
// duplicate commit first) or, on MySQL, with a deadlock (1213) or a lock
// wait timeout (1205), returned by the work (wrapped is fine) or by the
// commit; it waits a jittered backoff that grows with the attempt first.
// SQLite transactions take the write lock at BEGIN, so they queue instead
// of deadlocking. After the last attempt the last error comes back.
const MaxTxAttempts = 5

// ErrRetry, returned by a transaction's work (wrapped or not), asks for
// another attempt in a new transaction.
var ErrRetry = errors.New("db: retry the transaction")

// Retry runs attempt under the retry policy above. attempt may run
// transactions of its own with WithTxOnce and reads around them; it must
// have no effects outside them.
// Errors: attempt's last error, joined with ctx's error when ctx ended
// during a backoff.
func (d *DB) Retry(ctx context.Context, attempt func() error) error {
	var err error
	for n := range MaxTxAttempts {
		if n > 0 {
			if werr := backoff(ctx, n); werr != nil {
				return errors.Join(err, werr)
			}
		}
		err = attempt()
		if err == nil || !d.retryable(err) {
			return err
		}
	}
	return err
}

func (d *DB) retryable(err error) bool {
	return errors.Is(err, ErrRetry) || d.Dialect == dialectMySQL && isRetryable(err)
}

// WithTx runs fn in one transaction (begin, fn, commit) under the retry
// policy: the whole of fn runs again in a new transaction when it asks for
// it (ErrRetry) or meets a deadlock, so fn must have no effects outside tx.
// If fn returns an error or panics, the transaction is rolled back (and the
// panic goes on).
//
// Errors: fn's error as fn returned it (joined with a rollback error, if
// rollback failed too); "db: begin: ..." or "db: commit: ..." wrapping the
// driver error otherwise — a failed commit is never reported as success.
// After the last attempt, its error (ErrRetry or the deadlock).
func (d *DB) WithTx(ctx context.Context, fn func(tx *ent.Tx) error) error {
	return d.Retry(ctx, func() error { return d.runTx(ctx, nil, fn) })
}

// WithTxOnce runs fn in one transaction, with no retry: for a call that
// retries a larger step, transaction included, with Retry.
// Errors: those of WithTx.
func (d *DB) WithTxOnce(ctx context.Context, fn func(tx *ent.Tx) error) error {
	return d.runTx(ctx, nil, fn)
}

// WithTxOptions is WithTxOnce with opts on MySQL (an isolation level, say);
// SQLite has one isolation, and its transactions ignore opts.
// Errors: those of WithTx.
func (d *DB) WithTxOptions(ctx context.Context, opts *sql.TxOptions, fn func(tx *ent.Tx) error) error {
	if d.Dialect != dialectMySQL {
		opts = nil
	}
	return d.runTx(ctx, opts, fn)
}

func (d *DB) runTx(ctx context.Context, opts *sql.TxOptions, fn func(tx *ent.Tx) error) error {
	var tx *ent.Tx
	var err error
	if opts != nil {
		tx, err = d.Client.BeginTx(ctx, opts)
	} else {
		tx, err = d.Client.Tx(ctx)
	}
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
