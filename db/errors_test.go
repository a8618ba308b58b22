package db_test

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	"github.com/go-sql-driver/mysql"

	"github.com/b2b-orders/platform/db"
	"github.com/b2b-orders/platform/db/dbtest"
)

var mysqlDeadlockError = mysql.MySQLError{Number: 1213, Message: "Deadlock found when trying to get lock"}

type classification struct{ unique, foreignKey, unavailable bool }

func classify(err error) classification {
	return classification{db.IsUniqueViolation(err), db.IsForeignKeyViolation(err), db.IsUnavailable(err)}
}

func TestConstraintErrorsFromTheStore(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	d := seeded(t)
	c := d.Client
	cases := []struct {
		name string
		err  error
		want classification
	}{
		{"duplicate sku (unique index)", c.Product.Create().SetSku("LAPTOP-001").SetName("x").SetPriceCents(1).Exec(ctx), classification{unique: true}},
		{"duplicate live email (unique index over two columns)", c.Customer.Create().SetName("x").SetEmail("ops@acme.com").Exec(ctx), classification{unique: true}},
		{"duplicate idempotency key in its scope (unique index over two columns)", c.IdempotencyKey.Create().SetKeyValue("order-confirm-001").SetTargetType("order").SetTargetID(1).
			SetStatus("completed").SetExpiresAt(time.Now()).Exec(ctx), classification{unique: true}},
		{"order of a missing customer", c.Order.Create().SetCustomerID(999).SetTotalCents(1).Exec(ctx), classification{foreignKey: true}},
		{"deleting a product that order items reference", c.Product.DeleteOneID(1).Exec(ctx), classification{foreignKey: true}},
	}
	for _, tc := range cases {
		if tc.err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if got := classify(tc.err); got != tc.want {
			t.Errorf("%s: %v classified %+v, want %+v", tc.name, tc.err, got, tc.want)
		}
	}
	// A deleted customer's email may be registered again: live is NULL then.
	c.Customer.UpdateOneID(1).ClearLive().SetDeletedAt(time.Now()).ExecX(ctx)
	if err := c.Customer.Create().SetName("ACME again").SetEmail("ops@acme.com").Exec(ctx); err != nil {
		t.Errorf("re-registering a deleted customer's email: %v", err)
	}
}

func TestClassifyOtherErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		err  error
		want classification
	}{
		{nil, classification{}},
		{errors.New("duplicate entry"), classification{}}, // text is never looked at
		{context.Canceled, classification{}},
		{&mysql.MySQLError{Number: 1062}, classification{unique: true}},
		{fmt.Errorf("wrapped: %w", &mysql.MySQLError{Number: 1452}), classification{foreignKey: true}},
		{&mysql.MySQLError{Number: 1451}, classification{foreignKey: true}},
		{&mysqlDeadlockError, classification{}},
		{&mysql.MySQLError{Number: 1040}, classification{unavailable: true}},
		// A Galera node outside the primary component.
		{&mysql.MySQLError{Number: 1047, Message: "WSREP has not yet prepared node for application use"}, classification{unavailable: true}},
		{&mysql.MySQLError{Number: 1180, Message: "Got error 6 \"No such device or address\" during COMMIT"}, classification{unavailable: true}},
		{fmt.Errorf("x: %w", driver.ErrBadConn), classification{unavailable: true}},
		{mysql.ErrInvalidConn, classification{unavailable: true}},
		{fmt.Errorf("x: %w", context.DeadlineExceeded), classification{unavailable: true}},
		{&net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}, classification{unavailable: true}},
	}
	for _, tc := range cases {
		if got := classify(tc.err); got != tc.want {
			t.Errorf("%v classified %+v, want %+v", tc.err, got, tc.want)
		}
	}
}

func TestOpenReportsUnavailable(t *testing.T) {
	t.Parallel()
	// A port nobody listens on: connection refused.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	_, err = db.Open(t.Context(), db.Config{Driver: "mysql", Host: "127.0.0.1", Port: port, User: "u", Name: "n"})
	if err == nil || !db.IsUnavailable(err) {
		t.Errorf("refused: err = %v, want IsUnavailable", err)
	}

	// The deadline passes before the database answers.
	ctx, cancel := context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
	defer cancel()
	_, err = db.Open(ctx, db.Config{DataDir: t.TempDir()})
	if err == nil || !db.IsUnavailable(err) {
		t.Errorf("deadline: err = %v, want IsUnavailable", err)
	}
}

func TestSQLiteLockedIsUnavailable(t *testing.T) {
	if dbtest.Dialect() != dialect.SQLite {
		t.Skip("SQLite locking")
	}
	t.Parallel()
	ctx := t.Context()
	dir := t.TempDir()
	holder, err := db.Open(ctx, db.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	tx, err := holder.SQL.BeginTx(ctx, nil) // BEGIN IMMEDIATE: holds the write lock
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()

	// Same file, no busy timeout, so the wait ends at once.
	other, err := db.Open(ctx, db.Config{DSN: filepath.Join(dir, db.SQLiteFile) + "?_pragma=busy_timeout(0)"})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	_, err = other.SQL.BeginTx(ctx, nil)
	if err == nil || !db.IsUnavailable(err) || db.IsUniqueViolation(err) {
		t.Errorf("err = %v, want a busy database classified unavailable", err)
	}
}
