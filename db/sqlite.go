package db

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"time"

	"modernc.org/sqlite"
)

// sqliteTimeFormat is how times are stored on SQLite: UTC, no zone suffix,
// trailing zeros of the fraction trimmed. It is the form of the original
// seed's literals ('2024-01-01 10:00:00'), so stored texts compare (=, <,
// ORDER BY) in time order whether a row came from the seed or from Go, and
// SQLite's date functions read it. The driver's own formats append a zone
// ("+00:00" or " +0000 UTC"), which makes a seed row's created_at unequal to
// the same instant bound as a parameter and breaks keyset pagination.
const sqliteTimeFormat = "2006-01-02 15:04:05.999"

// sqliteConnector opens modernc connections wrapped in timeConn.
type sqliteConnector struct{ driver.Connector }

func newSQLiteConnector(dsn string) (driver.Connector, error) {
	base, err := sqlite.NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	return sqliteConnector{base}, nil
}

// Connect implements driver.Connector.
func (c sqliteConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	full, ok := conn.(sqliteDriverConn)
	if !ok {
		_ = conn.Close()
		return nil, fmt.Errorf("db: sqlite connection %T lacks the context interfaces", conn)
	}
	return timeConn{full}, nil
}

// sqliteDriverConn lists what every modernc connection implements; the
// wrapper forwards all of it so database/sql keeps using the context-aware
// paths (see the documentation of sqlite.NewConnector).
type sqliteDriverConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// timeConn stores time.Time arguments in sqliteTimeFormat.
type timeConn struct{ sqliteDriverConn }

// Unwrap returns the modernc connection (sqlite.Limit and friends look for it).
func (c timeConn) Unwrap() driver.Conn { return c.sqliteDriverConn }

// CheckNamedValue implements driver.NamedValueChecker. database/sql consults
// it for every argument, prepared or not, since modernc's statements have no
// checker of their own. Truncating to milliseconds matches MySQL's
// datetime(3), so both stores give back the same value.
func (timeConn) CheckNamedValue(nv *driver.NamedValue) error {
	v, err := driver.DefaultParameterConverter.ConvertValue(nv.Value)
	if err != nil {
		return err
	}
	if t, ok := v.(time.Time); ok {
		v = t.UTC().Truncate(time.Millisecond).Format(sqliteTimeFormat)
	}
	nv.Value = v
	return nil
}

var _ driver.NamedValueChecker = timeConn{}

func sqliteCode(err error) (int, bool) {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code(), true
	}
	return 0, false
}
