package db

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"time"

	"ariga.io/atlas/sql/migrate"
)

// The migrations are generated from the ent schema by
// `go run ./db/internal/migrategen -name <change>`, one Atlas-format
// directory per dialect, because the DDL differs.
//
//go:embed migrations/mysql migrations/sqlite
var migrationsFS embed.FS

// MigrationsTable records the applied migration versions.
const MigrationsTable = "schema_migrations"

// migrateLockWait bounds how long Migrate waits on MySQL for another process
// that is migrating the same database.
const migrateLockWait = 60 * time.Second

// ErrMigrationLocked is returned by Migrate on MySQL when another process
// held the migration lock for longer than a minute.
var ErrMigrationLocked = errors.New("db: another process is migrating this database")

// migrationDir returns the embedded, checksum-verified migration directory
// of a dialect (dialect.MySQL or dialect.SQLite).
//
// Errors: an unknown dialect; a wrapped migrate.ErrChecksumMismatch (or
// ErrChecksumNotFound) when the files do not match their atlas.sum — a
// migration was edited without regenerating.
func migrationDir(dialectName string) (*migrate.MemDir, error) {
	sub, err := migrationSubdir(dialectName)
	if err != nil {
		return nil, err
	}
	return loadMigrationDir(migrationsFS, sub)
}

func loadMigrationDir(fsys fs.FS, sub string) (*migrate.MemDir, error) {
	entries, err := fs.ReadDir(fsys, sub)
	if err != nil {
		return nil, fmt.Errorf("db: read %s: %w", sub, err)
	}
	dir := &migrate.MemDir{}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		b, err := fs.ReadFile(fsys, path.Join(sub, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("db: read %s: %w", e.Name(), err)
		}
		if err := dir.WriteFile(e.Name(), b); err != nil {
			return nil, err
		}
	}
	if err := migrate.Validate(dir); err != nil {
		return nil, fmt.Errorf("db: %s does not match its atlas.sum (regenerate with db/internal/migrategen): %w", sub, err)
	}
	return dir, nil
}

// migrationSubdir names the directory of a dialect's migrations, relative
// to this package.
func migrationSubdir(dialectName string) (string, error) {
	switch dialectName {
	case dialectMySQL:
		return "migrations/mysql", nil
	case dialectSQLite:
		return "migrations/sqlite", nil
	}
	return "", fmt.Errorf("db: no migrations for dialect %q", dialectName)
}

// Migrate applies the embedded migrations that the database has not
// recorded yet, in version order, and returns the names of the files it
// applied (none when the database is current: running it again is safe).
//
// On SQLite each file runs in one transaction, with foreign keys off during
// it (as table rebuilds require) and checked before commit. On MySQL, DDL
// cannot be rolled back: statements run one by one and the version is
// recorded after the last; a named lock (GET_LOCK) and a row of
// MigrationLockTable (for the nodes of a Galera cluster, where GET_LOCK is
// node-local) keep two processes from migrating the same database at once.
//
// Errors: a wrapped migrate.ErrChecksumMismatch when a migration file does
// not match its atlas.sum; ErrMigrationLocked; an error naming the file (and
// the statement) that failed — on MySQL the statements of that file before
// it stay applied and need a manual fix. applied then lists the files
// completed before the failure.
func (d *DB) Migrate(ctx context.Context) (applied []string, err error) {
	dir, err := migrationDir(d.Dialect)
	if err != nil {
		return nil, err
	}
	files, err := dir.Files()
	if err != nil {
		return nil, err
	}
	conn, err := d.SQL.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("db: migrate: %w", err)
	}
	defer conn.Close()

	if d.Dialect == dialectMySQL {
		unlock, err := lockMigrations(ctx, conn)
		if err != nil {
			return nil, err
		}
		defer unlock()
	}
	if _, err := conn.ExecContext(ctx, d.migrationsTableDDL()); err != nil {
		return nil, fmt.Errorf("db: create %s: %w", MigrationsTable, err)
	}
	done, err := appliedVersions(ctx, conn)
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		if done[f.Version()] {
			continue
		}
		var ran bool
		if d.Dialect == dialectMySQL {
			ran, err = applyMySQL(ctx, conn, f)
		} else {
			ran, err = applySQLite(ctx, conn, f)
		}
		if err != nil {
			return applied, fmt.Errorf("db: migration %s: %w", f.Name(), err)
		}
		if ran {
			applied = append(applied, f.Name())
		}
	}
	return applied, nil
}

// PendingMigrations counts the embedded migrations the database has not
// applied; 0 means it is current. It changes nothing.
//
// Errors: a wrapped migrate.ErrChecksumMismatch when a migration file does
// not match its atlas.sum; driver errors.
func (d *DB) PendingMigrations(ctx context.Context) (int, error) {
	dir, err := migrationDir(d.Dialect)
	if err != nil {
		return 0, err
	}
	files, err := dir.Files()
	if err != nil {
		return 0, err
	}
	exists, err := d.tableExists(ctx, MigrationsTable)
	if err != nil {
		return 0, err
	}
	if !exists {
		return len(files), nil
	}
	done, err := appliedVersions(ctx, d.SQL)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, f := range files {
		if !done[f.Version()] {
			n++
		}
	}
	return n, nil
}

func (d *DB) migrationsTableDDL() string {
	if d.Dialect == dialectMySQL {
		return "CREATE TABLE IF NOT EXISTS `" + MigrationsTable + "` (" +
			"`version` varchar(64) NOT NULL PRIMARY KEY, " +
			"`applied_at` datetime(3) NOT NULL" +
			") CHARSET utf8mb4 COLLATE utf8mb4_bin"
	}
	return "CREATE TABLE IF NOT EXISTS `" + MigrationsTable + "` (" +
		"`version` varchar(64) NOT NULL PRIMARY KEY, " +
		"`applied_at` datetime NOT NULL)"
}

func (d *DB) tableExists(ctx context.Context, name string) (bool, error) {
	q := "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?"
	if d.Dialect == dialectMySQL {
		q = "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?"
	}
	var n int
	if err := d.SQL.QueryRowContext(ctx, q, name).Scan(&n); err != nil {
		return false, fmt.Errorf("db: look for table %s: %w", name, err)
	}
	return n > 0, nil
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func appliedVersions(ctx context.Context, q querier) (map[string]bool, error) {
	rows, err := q.QueryContext(ctx, "SELECT version FROM "+MigrationsTable)
	if err != nil {
		return nil, fmt.Errorf("db: read %s: %w", MigrationsTable, err)
	}
	defer rows.Close()
	done := map[string]bool{}
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		done[v] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("db: read %s: %w", MigrationsTable, err)
	}
	return done, nil
}

// lockMigrations takes a MySQL named lock held by conn. Lock names are
// server-wide, so the name carries the database: test databases on one
// server migrate in parallel.
func lockMigrations(ctx context.Context, conn *sql.Conn) (unlock func(), err error) {
	var dbName sql.NullString
	if err := conn.QueryRowContext(ctx, "SELECT DATABASE()").Scan(&dbName); err != nil {
		return nil, fmt.Errorf("db: migrate: %w", err)
	}
	if !dbName.Valid {
		return nil, errors.New("db: migrate: no database selected")
	}
	name := "b2b_migrate:" + dbName.String
	if len(name) > 64 { // MySQL's limit for lock names
		sum := sha256.Sum256([]byte(dbName.String))
		name = "b2b_migrate:" + hex.EncodeToString(sum[:])[:52]
	}
	wait := migrateLockWait
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
		wait = max(time.Until(dl), time.Second)
	}
	var got sql.NullInt64
	if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK(?, ?)", name, int(wait.Seconds())).Scan(&got); err != nil {
		return nil, fmt.Errorf("db: migrate: take lock: %w", err)
	}
	if !got.Valid || got.Int64 != 1 {
		return nil, ErrMigrationLocked
	}
	release := func() {
		// Closing conn would release the lock too; releasing explicitly
		// lets the pool keep the connection.
		var released sql.NullInt64
		err := conn.QueryRowContext(context.Background(), "SELECT RELEASE_LOCK(?)", name).Scan(&released)
		if err != nil || released.Int64 != 1 {
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}
	unlockRow, err := lockMigrationRow(ctx, conn, wait)
	if err != nil {
		release()
		return nil, err
	}
	return func() { unlockRow(); release() }, nil
}

// MigrationLockTable holds the migration lock's row: GET_LOCK is local
// to a server, and a Galera cluster's nodes are several servers of one
// database. The row replicates; a second migrator on another node finds
// it (or loses the certification of its own insert) and waits.
const MigrationLockTable = "b2b_migration_lock"

// lockMigrationRow takes the cluster-wide lock: the one row of
// MigrationLockTable, inserted within wait. A row older than twice
// migrateLockWait was left by a migrator that died, and is taken over.
func lockMigrationRow(ctx context.Context, conn *sql.Conn, wait time.Duration) (unlock func(), err error) {
	if _, err := conn.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS "+MigrationLockTable+
		" (id TINYINT NOT NULL PRIMARY KEY, holder VARCHAR(100) NOT NULL, taken_at DATETIME(3) NOT NULL) ENGINE=InnoDB"); err != nil {
		return nil, fmt.Errorf("db: migrate: create %s: %w", MigrationLockTable, err)
	}
	b := make([]byte, 12)
	_, _ = rand.Read(b) // never fails, see crypto/rand.Read
	holder := hex.EncodeToString(b)
	deadline := time.Now().Add(wait)
	for {
		_, err := conn.ExecContext(ctx, "INSERT INTO "+MigrationLockTable+" (id, holder, taken_at) VALUES (1, ?, UTC_TIMESTAMP(3))", holder)
		if err == nil {
			break
		}
		// Taken (by this server's or another node's migrator), or lost to
		// a concurrent insert on another node.
		if !IsUniqueViolation(err) && !isRetryable(err) {
			return nil, fmt.Errorf("db: migrate: take lock: %w", err)
		}
		if _, err := conn.ExecContext(ctx, "DELETE FROM "+MigrationLockTable+" WHERE id = 1 AND taken_at < UTC_TIMESTAMP(3) - INTERVAL ? SECOND",
			int(2*migrateLockWait.Seconds())); err != nil && !isRetryable(err) {
			return nil, fmt.Errorf("db: migrate: take lock: %w", err)
		}
		if time.Now().After(deadline) {
			return nil, ErrMigrationLocked
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
	return func() {
		_, _ = conn.ExecContext(context.Background(), "DELETE FROM "+MigrationLockTable+" WHERE id = 1 AND holder = ?", holder)
	}, nil
}

// applyMySQL runs the statements of f one by one (each DDL statement
// commits implicitly) and records the version last, so a failed file is
// tried again on the next run. The caller holds the migration lock.
func applyMySQL(ctx context.Context, conn *sql.Conn, f migrate.File) (bool, error) {
	stmts, err := f.Stmts()
	if err != nil {
		return false, fmt.Errorf("split statements: %w", err)
	}
	for i, s := range stmts {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			return false, fmt.Errorf("statement %d of %d (the ones before it stay applied): %w", i+1, len(stmts), err)
		}
	}
	if _, err := conn.ExecContext(ctx, "INSERT INTO "+MigrationsTable+" (version, applied_at) VALUES (?, ?)",
		f.Version(), time.Now().UTC()); err != nil {
		return false, fmt.Errorf("record version: %w", err)
	}
	return true, nil
}

// applySQLite runs f in one transaction. Foreign keys are switched off
// around it — SQLite ignores that pragma inside a transaction, and Atlas
// rebuilds tables (copy, drop, rename) for most ALTERs, which would cascade
// or fail with them on — and the whole database is checked before commit.
// The version is checked again inside the transaction, whose BEGIN IMMEDIATE
// serialises concurrent migrators: the second one finds it applied and skips.
func applySQLite(ctx context.Context, conn *sql.Conn, f migrate.File) (ran bool, err error) {
	stmts, err := f.Stmts()
	if err != nil {
		return false, fmt.Errorf("split statements: %w", err)
	}
	if _, err := conn.ExecContext(ctx, "PRAGMA foreign_keys = off"); err != nil {
		return false, err
	}
	defer func() {
		if _, ferr := conn.ExecContext(context.Background(), "PRAGMA foreign_keys = on"); ferr != nil {
			// A pooled connection without foreign keys must not survive.
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
			err = errors.Join(err, fmt.Errorf("switch foreign keys back on: %w", ferr))
		}
	}()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer func() {
		if !ran || err != nil {
			_ = tx.Rollback()
		}
	}()
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+MigrationsTable+" WHERE version = ?", f.Version()).Scan(&n); err != nil {
		return false, err
	}
	if n > 0 {
		return false, nil
	}
	for i, s := range stmts {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return false, fmt.Errorf("statement %d of %d (rolled back): %w", i+1, len(stmts), err)
		}
	}
	if err := foreignKeyCheck(ctx, tx); err != nil {
		return false, err
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO "+MigrationsTable+" (version, applied_at) VALUES (?, ?)",
		f.Version(), time.Now().UTC()); err != nil {
		return false, fmt.Errorf("record version: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("commit: %w", err)
	}
	return true, nil
}

func foreignKeyCheck(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, "PRAGMA foreign_key_check")
	if err != nil {
		return err
	}
	defer rows.Close()
	if rows.Next() {
		var (
			table, parent string
			rowid         sql.NullInt64
			fkid          int
		)
		if err := rows.Scan(&table, &rowid, &parent, &fkid); err != nil {
			return err
		}
		return fmt.Errorf("foreign keys violated after the migration: row %d of %s references a missing %s row", rowid.Int64, table, parent)
	}
	return rows.Err()
}
