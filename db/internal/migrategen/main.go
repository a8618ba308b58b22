// Command migrategen writes the next versioned migration of each dialect:
// the difference between the ent schema (ent/migrate.Tables) and what the
// existing migrations in db/migrations/<dialect> build, in Atlas format
// (<version>_<name>.sql plus atlas.sum).
//
// The existing migrations are replayed on a scratch dev database — an
// in-memory SQLite for sqlite, a temporary database on a MySQL or MariaDB
// server for mysql — and ent diffs that against its schema. Run it from the
// module root after changing ent/schema and running go generate:
//
//	go run ./db/internal/migrategen -name add_order_note
//	go run ./db/internal/migrategen -name add_order_note -mysql-dev 'user:pw@tcp(host:3306)/'
//	go run ./db/internal/migrategen -dialect sqlite -name add_order_note
//
// After editing a migration file by hand (a data fix, say), refresh the
// checksums with -hash. Dropped fields and indexes become DROP statements:
// the migrations follow the ent schema exactly (the drift test in db checks
// it), so review generated files before committing.
//
// It is not part of go generate because it needs a database server.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"ariga.io/atlas/sql/migrate"
	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"entgo.io/ent/dialect/sql/schema"
	"github.com/go-sql-driver/mysql"

	"github.com/b2b-orders/platform/db"
	entmigrate "github.com/b2b-orders/platform/ent/migrate"
)

func main() {
	var (
		name     = flag.String("name", "", "name of the migration, e.g. add_order_note (required)")
		only     = flag.String("dialect", "all", `"all", "mysql" or "sqlite"`)
		dir      = flag.String("dir", filepath.Join("db", "migrations"), "directory holding one migration directory per dialect")
		mysqlDev = flag.String("mysql-dev", "root@tcp(127.0.0.1:3306)/", "DSN of a MySQL/MariaDB server where a scratch database may be created and dropped")
		hash     = flag.Bool("hash", false, "only rewrite atlas.sum of the directories (after a hand edit)")
	)
	flag.Parse()
	if err := run(*name, *only, *dir, *mysqlDev, *hash); err != nil {
		fmt.Fprintln(os.Stderr, "migrategen:", err)
		os.Exit(1)
	}
}

func run(name, only, dir, mysqlDev string, hash bool) error {
	dialects := map[string]string{"mysql": dialect.MySQL, "sqlite": dialect.SQLite}
	var chosen []string
	switch only {
	case "all":
		chosen = []string{"mysql", "sqlite"}
	case "mysql", "sqlite":
		chosen = []string{only}
	default:
		return fmt.Errorf("unknown -dialect %q", only)
	}
	if !hash && name == "" {
		return errors.New("-name is required")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	// One version for every dialect of this change, so the files pair up.
	version := migrate.NewVersion()
	for _, d := range chosen {
		path := filepath.Join(dir, d)
		if st, err := os.Stat(path); err != nil || !st.IsDir() {
			return fmt.Errorf("%s is not a directory: run from the module root or pass -dir", path)
		}
		local, err := migrate.NewLocalDir(path)
		if err != nil {
			return err
		}
		if hash {
			sum, err := local.Checksum()
			if err != nil {
				return err
			}
			if err := migrate.WriteSumFile(local, sum); err != nil {
				return err
			}
			fmt.Printf("%s: atlas.sum rewritten\n", path)
			continue
		}
		wrote, err := generate(ctx, dialects[d], local, name, version, mysqlDev)
		if err != nil {
			return fmt.Errorf("%s: %w", d, err)
		}
		if wrote {
			fmt.Printf("%s: wrote %s_%s.sql\n", path, version, name)
		} else {
			fmt.Printf("%s: no changes\n", path)
		}
	}
	return nil
}

func generate(ctx context.Context, dialectName string, dir migrate.Dir, name, version, mysqlDev string) (wrote bool, err error) {
	drv, cleanup, err := devDriver(ctx, dialectName, mysqlDev)
	if err != nil {
		return false, err
	}
	defer func() { err = errors.Join(err, cleanup()) }()
	m, err := schema.NewMigrate(drv,
		schema.WithDir(dir),
		schema.WithMigrationMode(schema.ModeReplay),
		schema.WithDialect(dialectName),
		schema.WithFormatter(versioned{version: version, next: migrate.DefaultFormatter}),
		// Follow the ent schema exactly, drops included; the drift test
		// in package db diffs the same way.
		schema.WithDropColumn(true),
		schema.WithDropIndex(true),
		schema.WithErrNoPlan(true),
	)
	if err != nil {
		return false, err
	}
	err = m.NamedDiff(ctx, name, entmigrate.Tables...)
	if errors.Is(err, migrate.ErrNoPlan) {
		return false, nil
	}
	return err == nil, err
}

// versioned gives the files of one run the same version in every dialect.
type versioned struct {
	version string
	next    migrate.Formatter
}

func (v versioned) Format(p *migrate.Plan) ([]migrate.File, error) {
	if p.Version == "" {
		p.Version = v.version
	}
	return v.next.Format(p)
}

// devDriver opens an empty database to replay the migrations on.
func devDriver(ctx context.Context, dialectName, mysqlDev string) (*entsql.Driver, func() error, error) {
	if dialectName == dialect.SQLite {
		// One connection: every connection to ":memory:" is its own database.
		dev, err := db.Open(ctx, db.Config{Driver: db.DriverSQLite, DSN: "file:migrategen?mode=memory", MaxOpenConns: 1})
		if err != nil {
			return nil, nil, err
		}
		return entsql.OpenDB(dialect.SQLite, dev.SQL), dev.Close, nil
	}
	server, err := mysql.ParseDSN(mysqlDev)
	if err != nil {
		return nil, nil, fmt.Errorf("-mysql-dev: %w", err)
	}
	server.DBName = ""
	admin, err := db.Open(ctx, db.Config{Driver: db.DriverMySQL, DSN: server.FormatDSN(), MaxOpenConns: 1})
	if err != nil {
		return nil, nil, err
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	scratch := "b2b_migrategen_" + hex.EncodeToString(b)
	if _, err := admin.SQL.ExecContext(ctx, "CREATE DATABASE `"+scratch+"`"); err != nil {
		return nil, nil, errors.Join(err, admin.Close())
	}
	drop := func() error {
		_, err := admin.SQL.ExecContext(context.Background(), "DROP DATABASE IF EXISTS `"+scratch+"`")
		return errors.Join(err, admin.Close())
	}
	devCfg := server.Clone()
	devCfg.DBName = scratch
	dev, err := db.Open(ctx, db.Config{Driver: db.DriverMySQL, DSN: devCfg.FormatDSN(), MaxOpenConns: 1})
	if err != nil {
		return nil, nil, errors.Join(err, drop())
	}
	return entsql.OpenDB(dialect.MySQL, dev.SQL), func() error { return errors.Join(dev.Close(), drop()) }, nil
}
