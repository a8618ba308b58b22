// Package dbtest gives each test its own fresh database: on MySQL (or
// MariaDB) when B2B_TEST_MYSQL_DSN is set, e.g. 'root@tcp(127.0.0.1:3306)/',
// and in an embedded SQLite file otherwise.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	"github.com/go-sql-driver/mysql"

	"github.com/b2b-orders/platform/db"
)

// EnvMySQLDSN names the variable that points the tests at a MySQL server.
// The DSN's user must be allowed to create and drop databases; its database
// name, if any, is ignored.
const EnvMySQLDSN = "B2B_TEST_MYSQL_DSN"

// Dialect tells which store the tests run on: dialect.MySQL or dialect.SQLite.
func Dialect() string {
	if os.Getenv(EnvMySQLDSN) != "" {
		return dialect.MySQL
	}
	return dialect.SQLite
}

// Open returns a fresh database with all migrations applied, closed (and on
// MySQL dropped) when the test ends. Failures end the test.
func Open(t testing.TB) *db.DB {
	t.Helper()
	d := OpenEmpty(t)
	if _, err := d.Migrate(t.Context()); err != nil {
		t.Fatalf("dbtest: migrate: %v", err)
	}
	return d
}

// OpenEmpty is Open without the migrations, for tests of migrating itself.
func OpenEmpty(t testing.TB) *db.DB {
	t.Helper()
	ctx := t.Context()
	dsn := os.Getenv(EnvMySQLDSN)
	if dsn == "" {
		d, err := db.Open(ctx, db.Config{Driver: db.DriverSQLite, DataDir: t.TempDir()})
		if err != nil {
			t.Fatalf("dbtest: open sqlite: %v", err)
		}
		t.Cleanup(func() { closeDB(t, d) })
		return d
	}

	server, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatalf("dbtest: %s: %v", EnvMySQLDSN, err)
	}
	server.DBName = ""
	admin, err := sql.Open("mysql", server.FormatDSN())
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	name := "b2b_test_" + randomHex(8)
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE `"+name+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"); err != nil {
		_ = admin.Close()
		t.Fatalf("dbtest: create database: %v", err)
	}
	t.Cleanup(func() {
		// t.Context() is already canceled when cleanups run.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS `"+name+"`"); err != nil {
			t.Errorf("dbtest: drop database %s: %v", name, err)
		}
		_ = admin.Close()
	})

	cfg := server.Clone()
	cfg.DBName = name
	// Same options as production: Open applies them on top of the DSN.
	d, err := db.Open(ctx, db.Config{Driver: db.DriverMySQL, DSN: cfg.FormatDSN()})
	if err != nil {
		t.Fatalf("dbtest: open %s: %v", name, err)
	}
	t.Cleanup(func() { closeDB(t, d) }) // runs before the drop above
	return d
}

func closeDB(t testing.TB, d *db.DB) {
	if err := d.Close(); err != nil {
		t.Errorf("dbtest: close: %v", err)
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}
