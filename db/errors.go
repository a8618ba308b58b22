package db

import (
	"context"
	"database/sql/driver"
	"errors"
	"net"
	"syscall"

	"github.com/go-sql-driver/mysql"
	sqlite3 "modernc.org/sqlite/lib"
)

// MySQL server error numbers the package reacts to.
const (
	mysqlDupEntry          = 1062 // ER_DUP_ENTRY
	mysqlRowIsReferenced   = 1451 // ER_ROW_IS_REFERENCED_2: parent row still referenced
	mysqlNoReferencedRow   = 1452 // ER_NO_REFERENCED_ROW_2: child row without parent
	mysqlLockWaitTimeout   = 1205 // ER_LOCK_WAIT_TIMEOUT
	mysqlDeadlock          = 1213 // ER_LOCK_DEADLOCK
	mysqlTooManyConns      = 1040 // ER_CON_COUNT_ERROR
	mysqlServerShutdown    = 1053 // ER_SERVER_SHUTDOWN
	mysqlTooManyUserConns  = 1203 // ER_TOO_MANY_USER_CONNECTIONS
	mariadbConnKilled      = 1927 // ER_CONNECTION_KILLED (MariaDB)
	mysqlClientInteraction = 4031 // ER_CLIENT_INTERACTION_TIMEOUT (MySQL 8)
	// A Galera node outside the primary component: "WSREP has not yet
	// prepared node for application use" (1047), "… during COMMIT" (1180).
	galeraNotReady     = 1047 // ER_UNKNOWN_COM_ERROR, as Galera uses it
	galeraCommitFailed = 1180 // ER_ERROR_DURING_COMMIT
)

func mysqlNumber(err error) (uint16, bool) {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return me.Number, true
	}
	return 0, false
}

// IsUniqueViolation reports whether err (or an error it wraps) is a
// duplicate key: MySQL error 1062, or SQLite's UNIQUE or PRIMARY KEY
// constraint. It looks at error codes only, never at message text.
func IsUniqueViolation(err error) bool {
	if n, ok := mysqlNumber(err); ok {
		return n == mysqlDupEntry
	}
	if c, ok := sqliteCode(err); ok {
		return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// IsForeignKeyViolation reports whether err (or an error it wraps) is a
// foreign key violation in either direction — a child without its parent, or
// a parent still referenced: MySQL 1452/1451, SQLite's FOREIGNKEY constraint
// (also raised at COMMIT for deferred checks).
func IsForeignKeyViolation(err error) bool {
	if n, ok := mysqlNumber(err); ok {
		return n == mysqlNoReferencedRow || n == mysqlRowIsReferenced
	}
	if c, ok := sqliteCode(err); ok {
		return c == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
	}
	return false
}

// IsUnavailable reports whether err says the database did not answer, as
// opposed to refusing the statement: a network error (refused, reset, DNS,
// I/O timeout), a connection the driver gave up on, the context deadline
// passing while waiting for the database, the server being out of
// connections or shutting down, or SQLite staying locked past its busy
// timeout or its file not opening. Transports answer these with 503.
// context.Canceled is not included: the caller left, the database did not fail.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, mysql.ErrInvalidConn) ||
		errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	if n, ok := mysqlNumber(err); ok {
		switch n {
		case mysqlTooManyConns, mysqlServerShutdown, mysqlTooManyUserConns, mariadbConnKilled, mysqlClientInteraction,
			galeraNotReady, galeraCommitFailed:
			return true
		}
		return false
	}
	if c, ok := sqliteCode(err); ok {
		switch c & 0xff { // primary code: SQLITE_BUSY_TIMEOUT etc. count too
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_CANTOPEN:
			return true
		}
	}
	return false
}

// isRetryable reports the MySQL errors after which the whole transaction
// can run again: InnoDB rolled it back (deadlock), or it waited too long for
// a row lock (we roll back ourselves).
func isRetryable(err error) bool {
	n, ok := mysqlNumber(err)
	return ok && (n == mysqlDeadlock || n == mysqlLockWaitTimeout)
}

// IsContention reports whether err (or an error it wraps) is a transaction
// that lost to concurrent ones: a MySQL deadlock or lock wait timeout, or
// work that asked for another attempt (ErrRetry). Past the retry policy's
// last attempt such an error is still worth retrying later, by the
// client: the services answer it as a Conflict to try again
// (services.Busy), never as an internal error.
func IsContention(err error) bool {
	return errors.Is(err, ErrRetry) || isRetryable(err)
}
