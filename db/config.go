package db

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
)

// Driver names accepted in Config.Driver.
const (
	DriverMySQL  = "mysql"
	DriverSQLite = "sqlite"
)

// DefaultMaxOpenConns is the pool size when Config.MaxOpenConns is 0; it is
// the original's default for DB_CONNECTION_LIMIT.
const DefaultMaxOpenConns = 10

// DefaultMySQLPort is used when Config.Port is 0.
const DefaultMySQLPort = 3306

// SQLiteFile is the name of the embedded database file inside Config.DataDir.
const SQLiteFile = "b2b.db"

// Config says which database to open. The zero value is not usable: SQLite
// needs DataDir (or DSN), MySQL needs Host, User and Name (or DSN).
type Config struct {
	Driver string // "mysql" or "sqlite"; "" means sqlite

	// MySQL
	Host     string
	Port     int // 0 means 3306
	User     string
	Password string
	Name     string

	MaxOpenConns int    // pool size (DB_CONNECTION_LIMIT); 0 means DefaultMaxOpenConns
	DataDir      string // sqlite: file DataDir/b2b.db (dir created 0700)

	// DSN, when set, replaces Host/Port/User/Password/Name (MySQL, in
	// go-sql-driver form) or DataDir (SQLite: a file name or file: URI).
	// The connection options the code depends on (UTC, parseTime, utf8mb4,
	// foreign keys, busy timeout...) are applied on top of it all the same.
	DSN string
}

func (c Config) driver() string {
	if c.Driver == "" {
		return DriverSQLite
	}
	return c.Driver
}

func (c Config) maxOpenConns() int {
	if c.MaxOpenConns == 0 {
		return DefaultMaxOpenConns
	}
	return c.MaxOpenConns
}

// Validate reports every bad value at once (joined), each message naming the
// setting, so a misconfigured deployment fails at start-up with one log line.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf("db: "+format, args...)) }
	if c.MaxOpenConns < 0 {
		bad("connection limit must not be negative, got %d", c.MaxOpenConns)
	}
	switch c.driver() {
	case DriverMySQL:
		if c.DSN != "" {
			if _, err := mysql.ParseDSN(c.DSN); err != nil {
				bad("mysql DSN: %v", err)
			}
			break
		}
		if strings.TrimSpace(c.Host) == "" {
			bad("mysql host is empty")
		}
		if c.Port < 0 || c.Port > 65535 {
			bad("mysql port must be between 1 and 65535, got %d", c.Port)
		}
		if c.User == "" {
			bad("mysql user is empty")
		}
		if c.Name == "" {
			bad("mysql database name is empty")
		} else if len(c.Name) > 64 || strings.ContainsAny(c.Name, "/\\.`\x00") {
			bad("mysql database name %q is not valid (at most 64 characters, none of / \\ . `)", c.Name)
		}
	case DriverSQLite:
		if c.DSN == "" && strings.TrimSpace(c.DataDir) == "" {
			bad("sqlite data directory is empty")
		}
		if c.DSN != "" {
			if _, err := sqliteDSN(c.DSN); err != nil {
				bad("sqlite DSN: %v", err)
			}
		}
	default:
		bad("unknown driver %q (want %q or %q)", c.Driver, DriverMySQL, DriverSQLite)
	}
	return errors.Join(errs...)
}

// String describes the target for logs; the password never appears.
func (c Config) String() string {
	pool := fmt.Sprintf(" (pool %d)", c.maxOpenConns())
	switch c.driver() {
	case DriverMySQL:
		if c.DSN != "" {
			mc, err := mysql.ParseDSN(c.DSN)
			if err != nil {
				return "mysql (unparsable DSN)" + pool
			}
			return mysqlString(mc.User, mc.Passwd != "", mc.Net, mc.Addr, mc.DBName) + pool
		}
		return mysqlString(c.User, c.Password != "", "tcp", c.addr(), c.Name) + pool
	case DriverSQLite:
		if c.DSN != "" {
			return "sqlite " + c.DSN + pool
		}
		return "sqlite " + filepath.Join(c.DataDir, SQLiteFile) + pool
	default:
		return fmt.Sprintf("unknown driver %q", c.Driver)
	}
}

// GoString keeps %#v from printing the password.
func (c Config) GoString() string { return "db.Config{" + c.String() + "}" }

func mysqlString(user string, hasPassword bool, network, addr, name string) string {
	u := user
	if hasPassword {
		u += ":***"
	}
	return fmt.Sprintf("mysql %s@%s(%s)/%s", u, network, addr, name)
}

func (c Config) addr() string {
	port := c.Port
	if port == 0 {
		port = DefaultMySQLPort
	}
	return net.JoinHostPort(c.Host, strconv.Itoa(port))
}

// mysqlConfig builds the driver configuration. The options after the
// identity are not negotiable, also under a DSN: the code reads times as UTC
// time.Time, counts on one round trip per statement and on utf8mb4.
func (c Config) mysqlConfig() (*mysql.Config, error) {
	var mc *mysql.Config
	if c.DSN != "" {
		var err error
		if mc, err = mysql.ParseDSN(c.DSN); err != nil {
			return nil, err
		}
	} else {
		mc = mysql.NewConfig()
		mc.Net = "tcp"
		mc.Addr = c.addr()
		mc.User = c.User
		mc.Passwd = c.Password
		mc.DBName = c.Name
	}
	mc.ParseTime = true
	mc.InterpolateParams = true
	mc.Loc = time.UTC
	if mc.Params == nil {
		mc.Params = map[string]string{}
	}
	// The session zone matters for NOW() and TIMESTAMP columns; Loc only
	// covers the values the driver converts.
	mc.Params["time_zone"] = "'+00:00'"
	if err := mc.Apply(
		mysql.Charset("utf8mb4", "utf8mb4_unicode_ci"),
		// The schema's times are datetime(3). MySQL 8 rounds extra digits
		// (possibly into the next second), MariaDB truncates: truncating in
		// the driver makes both store what t.Truncate(time.Millisecond) says.
		mysql.TimeTruncate(time.Millisecond),
	); err != nil {
		return nil, err
	}
	if mc.Timeout == 0 {
		mc.Timeout = 5 * time.Second // dial: a missing server must fail fast
	}
	if mc.WriteTimeout == 0 {
		mc.WriteTimeout = 30 * time.Second // sending a statement never takes this long on a live peer
	}
	// No ReadTimeout on purpose: lock waits (innodb_lock_wait_timeout),
	// GET_LOCK and DDL legitimately take long; callers bound statements with
	// their contexts, and TCP keep-alive finds dead peers.
	return mc, nil
}

// sqliteDSN adds the connection parameters the package depends on to a file
// name or file: URI; parameters already present in the DSN win.
//
//   - foreign_keys: ent's schema relies on them and SQLite has them off.
//   - busy_timeout, WAL: concurrent readers and writers wait instead of
//     failing with SQLITE_BUSY.
//   - synchronous NORMAL: durable across crashes of the process in WAL mode,
//     without an fsync per commit.
//   - _txlock=immediate: a transaction takes the write lock at BEGIN, so two
//     read-then-write transactions queue on the busy timeout instead of one
//     failing when it upgrades its lock (which the busy handler cannot fix).
//   - _timezone=UTC: times read back are in time.UTC (the values are stored
//     in UTC, see timeConn).
func sqliteDSN(dsn string) (string, error) {
	path, rawQuery, _ := strings.Cut(dsn, "?")
	if path == "" {
		return "", errors.New("no file name")
	}
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return "", err
	}
	pragmas := map[string]string{
		"foreign_keys": "1",
		"busy_timeout": "10000",
		"journal_mode": "WAL",
		"synchronous":  "NORMAL",
	}
	for _, p := range q["_pragma"] {
		name, _, _ := strings.Cut(p, "(")
		name, _, _ = strings.Cut(name, "=")
		delete(pragmas, strings.ToLower(strings.TrimSpace(name)))
	}
	for _, name := range []string{"busy_timeout", "foreign_keys", "journal_mode", "synchronous"} {
		if v, ok := pragmas[name]; ok {
			q.Add("_pragma", name+"("+v+")")
		}
	}
	if !q.Has("_txlock") {
		q.Set("_txlock", "immediate")
	}
	if !q.Has("_timezone") {
		q.Set("_timezone", "UTC")
	}
	return path + "?" + q.Encode(), nil
}
