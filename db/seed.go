package db

import (
	"context"
	"database/sql"
	_ "embed"
	"errors"
	"fmt"
	"strings"

	"ariga.io/atlas/sql/migrate"
)

// seedSQL is the original system's seed file, byte for byte: its values
// (including the totals that do not add up) are part of the contract.
//
//go:embed seed/seed.sql
var seedSQL string

// accountsSQL is this project's own seed, after the original's: a few
// locations and members of the first two customers, for the tour of
// company accounts.
//
//go:embed seed/accounts.sql
var accountsSQL string

// Seed loads the original's seed data (5 customers, 10 products, 4 orders
// with 15 items, 3 idempotency keys) and the accounts seed (3 locations, 4
// members) in one transaction and returns how many
// rows it inserted. Rows whose key already exists are left alone, so a
// second run inserts 0 rows and succeeds; the ids are the original's, and
// new rows get ids after them. The database must be migrated.
//
// Errors: a driver error (the transaction is rolled back, nothing is
// loaded); on MySQL also any warning other than a duplicate key, since
// INSERT IGNORE would otherwise turn bad data into a warning.
func (d *DB) Seed(ctx context.Context) (rows int64, err error) {
	stmts, err := seedStatements(d.Dialect)
	if err != nil {
		return 0, err
	}
	tx, err := d.SQL.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("db: seed: begin: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	for i, s := range stmts {
		res, err := tx.ExecContext(ctx, s)
		if err != nil {
			return 0, fmt.Errorf("db: seed: statement %d: %w", i+1, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return 0, fmt.Errorf("db: seed: statement %d: %w", i+1, err)
		}
		rows += n
		if d.Dialect == dialectMySQL {
			if err := onlyDuplicateWarnings(ctx, tx); err != nil {
				return 0, fmt.Errorf("db: seed: statement %d: %w", i+1, err)
			}
		}
	}
	if rows > 0 {
		// The seed's orders were written as the original wrote them:
		// count its confirmed ones into their customers' exposure and
		// number their last events, as the governance migration did for
		// the orders it found.
		for i, s := range seedFixups {
			if _, err := tx.ExecContext(ctx, s); err != nil {
				return 0, fmt.Errorf("db: seed: fixup %d: %w", i+1, err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("db: seed: commit: %w", err)
	}
	return rows, nil
}

// seedFixups bring rows the seed inserted to what the services keep: each
// customer's exposure (its confirmed, unpaid orders' totals) and the last
// event number of orders without events.
var seedFixups = []string{
	"UPDATE customers SET credit_exposure_cents = (SELECT COALESCE(SUM(total_cents), 0) FROM orders" +
		" WHERE orders.customer_id = customers.id AND orders.status = 'CONFIRMED' AND orders.paid_at IS NULL)",
	"UPDATE orders SET event_seq = CASE WHEN status = 'CANCELED' AND confirmed_at IS NOT NULL THEN 3 WHEN status = 'CREATED' THEN 1 ELSE 2 END" +
		" WHERE NOT EXISTS (SELECT 1 FROM order_events e WHERE e.order_id = orders.id)",
}

// seedStatements splits the seed file and makes each INSERT skip rows that
// exist. The file itself stays verbatim; the rewrite happens here.
func seedStatements(dialectName string) ([]string, error) {
	ignore := "INSERT OR IGNORE INTO"
	if dialectName == dialectMySQL {
		ignore = "INSERT IGNORE INTO"
	}
	parsed, err := migrate.Stmts(seedSQL + "\n" + accountsSQL)
	if err != nil {
		return nil, fmt.Errorf("db: seed: split: %w", err)
	}
	const insert = "INSERT INTO"
	stmts := make([]string, 0, len(parsed))
	for _, p := range parsed {
		s := strings.TrimSpace(p.Text)
		if len(s) < len(insert) || !strings.EqualFold(s[:len(insert)], insert) {
			return nil, fmt.Errorf("db: seed: only INSERT INTO statements can be made idempotent, got %.40q", s)
		}
		stmts = append(stmts, ignore+s[len(insert):])
	}
	return stmts, nil
}

// onlyDuplicateWarnings fails on any warning of the last statement other
// than a duplicate key (1062), the one INSERT IGNORE is meant to skip.
func onlyDuplicateWarnings(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, "SHOW WARNINGS")
	if err != nil {
		return err
	}
	defer rows.Close()
	var errs []error
	for rows.Next() {
		var (
			level, msg string
			code       int
		)
		if err := rows.Scan(&level, &code, &msg); err != nil {
			return err
		}
		if code != mysqlDupEntry {
			errs = append(errs, fmt.Errorf("%s %d: %s", level, code, msg))
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return errors.Join(errs...)
}
