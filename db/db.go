// Package db opens the platform's database — MySQL (or MariaDB) in
// production, an embedded SQLite file when nothing is configured — and owns
// what every store needs alike: the versioned migrations generated from the
// ent schema, the original's seed data, transactions with deadlock retry and
// the classification of driver errors.
//
// Times are UTC on both stores and kept to the millisecond, the precision of
// the MySQL columns.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"github.com/go-sql-driver/mysql"

	"github.com/b2b-orders/platform/ent"
)

// DB is an open database: the ent client for the services and the
// underlying pool for what ent does not cover (health checks, migrations).
type DB struct {
	Client  *ent.Client
	SQL     *sql.DB
	Dialect string // dialect.MySQL or dialect.SQLite
}

// pingTimeout bounds the ping in Open when the caller's context has no
// deadline, so start-up against a hung server fails instead of hanging.
const pingTimeout = 15 * time.Second

// Open validates cfg, opens the pool and pings the database. On SQLite it
// creates DataDir (0700) and the database file if missing; it does not
// migrate.
//
// Errors: the Validate error for a bad cfg; an error satisfying IsUnavailable
// when the database does not answer (refused, timed out, locked); other
// driver errors as they come. Nothing stays open when Open fails.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	var (
		sqlDB   *sql.DB
		dialect string
	)
	switch cfg.driver() {
	case DriverMySQL:
		mc, err := cfg.mysqlConfig()
		if err != nil {
			return nil, fmt.Errorf("db: mysql config: %w", err)
		}
		connector, err := mysql.NewConnector(mc)
		if err != nil {
			return nil, fmt.Errorf("db: mysql config: %w", err)
		}
		sqlDB = sql.OpenDB(connector)
		// Recycle connections well before a server's or proxy's idle
		// cut-off, so the pool rarely hands out a connection that is dead.
		sqlDB.SetConnMaxLifetime(3 * time.Minute)
		dialect = dialectMySQL
	default:
		dsn := cfg.DSN
		if dsn == "" {
			if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
				return nil, fmt.Errorf("db: sqlite data directory: %w", err)
			}
			dsn = filepath.Join(cfg.DataDir, SQLiteFile)
		}
		full, err := sqliteDSN(dsn)
		if err != nil {
			return nil, fmt.Errorf("db: sqlite DSN: %w", err)
		}
		connector, err := newSQLiteConnector(full)
		if err != nil {
			return nil, fmt.Errorf("db: sqlite DSN: %w", err)
		}
		sqlDB = sql.OpenDB(connector)
		dialect = dialectSQLite
	}
	sqlDB.SetMaxOpenConns(cfg.maxOpenConns())
	sqlDB.SetMaxIdleConns(cfg.maxOpenConns())

	d := &DB{
		Client:  ent.NewClient(ent.Driver(entsql.OpenDB(dialect, sqlDB))),
		SQL:     sqlDB,
		Dialect: dialect,
	}
	if err := d.ping(ctx); err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("db: open %s: %w", cfg, err)
	}
	return d, nil
}

const (
	dialectMySQL  = dialect.MySQL
	dialectSQLite = dialect.SQLite
)

func (d *DB) ping(ctx context.Context) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, pingTimeout)
		defer cancel()
	}
	if err := d.SQL.PingContext(ctx); err != nil {
		return err
	}
	if d.Dialect == dialectSQLite {
		// The DSN may have been overridden; without foreign keys ent's
		// schema would silently accept orphans.
		var on bool
		if err := d.SQL.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&on); err != nil {
			return err
		}
		if !on {
			return errors.New("sqlite foreign keys are off (the DSN disables them)")
		}
	}
	return nil
}

// Close closes the ent client and the pool. Errors: whatever the driver
// reports while closing connections.
func (d *DB) Close() error {
	return d.Client.Close()
}

// Ping checks that the database answers, for health checks. Errors: one
// satisfying IsUnavailable when it does not answer, else the driver's.
//
// On a Galera node (MariaDB Galera Cluster, Percona XtraDB Cluster) the
// node must also be ready for clients and in step with the cluster:
// wsrep_ready ON, in the primary component, and Synced (wsrep_local_state
// 4). A node cut off from the primary component answers pings and refuses
// every statement; a joining node, or a donor or desynced one, answers
// with data that lags the cluster's. A load balancer must stop sending
// either traffic.
func (d *DB) Ping(ctx context.Context) error {
	if err := d.SQL.PingContext(ctx); err != nil {
		return fmt.Errorf("db: ping: %w", err)
	}
	if d.Dialect != dialectMySQL {
		return nil
	}
	var name, value string
	// MariaDB reports wsrep_ready OFF without Galera too: wsrep_on says
	// whether this is a Galera node at all (MySQL has neither).
	err := d.SQL.QueryRowContext(ctx, "SHOW VARIABLES LIKE 'wsrep_on'").Scan(&name, &value)
	switch {
	case errors.Is(err, sql.ErrNoRows) || err == nil && !strings.EqualFold(value, "ON"):
		return nil // not a Galera node
	case err != nil:
		return fmt.Errorf("db: ping: %w", err)
	}
	rows, err := d.SQL.QueryContext(ctx,
		"SHOW STATUS WHERE Variable_name IN ('wsrep_ready', 'wsrep_cluster_status', 'wsrep_local_state', 'wsrep_local_state_comment')")
	if err != nil {
		return fmt.Errorf("db: ping: %w", err)
	}
	defer rows.Close()
	status := map[string]string{}
	for rows.Next() {
		if err := rows.Scan(&name, &value); err != nil {
			return fmt.Errorf("db: ping: %w", err)
		}
		status[strings.ToLower(name)] = value
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("db: ping: %w", err)
	}
	switch {
	case !strings.EqualFold(status["wsrep_ready"], "ON"):
		return fmt.Errorf("db: ping: the Galera node is not ready for clients (wsrep_ready %s)", status["wsrep_ready"])
	case !strings.EqualFold(status["wsrep_cluster_status"], "Primary"):
		return fmt.Errorf("db: ping: the Galera node is not in the primary component (wsrep_cluster_status %s)", status["wsrep_cluster_status"])
	case status["wsrep_local_state"] != "4":
		return fmt.Errorf("db: ping: the Galera node is not synced with the cluster (wsrep_local_state %s, %s)",
			status["wsrep_local_state"], status["wsrep_local_state_comment"])
	}
	return nil
}
