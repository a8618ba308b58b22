package db

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"

	"github.com/go-sql-driver/mysql"
)

// mysqlUnknownDatabase is MySQL's ER_BAD_DB_ERROR.
const mysqlUnknownDatabase = 1049

// OpenCreating opens cfg's database; on MySQL it first creates the
// database when the server says it does not exist, so that `b2b migrate`
// provisions an empty server in one step. created reports whether it did.
//
// The database is created only after the server has said it is missing:
// CREATE DATABASE IF NOT EXISTS alone would need the CREATE privilege even
// where the database exists, which an application account may lack.
// Errors: those of Open; the server refuses CREATE DATABASE.
func OpenCreating(ctx context.Context, cfg Config) (_ *DB, created bool, err error) {
	d, err := Open(ctx, cfg)
	var me *mysql.MySQLError
	if cfg.Driver != DriverMySQL || cfg.DSN != "" || !errors.As(err, &me) || me.Number != mysqlUnknownDatabase {
		return d, false, err
	}
	server := mysql.NewConfig()
	server.Net = "tcp"
	server.Addr = net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port))
	server.User, server.Passwd = cfg.User, cfg.Password
	admin, err := Open(ctx, Config{Driver: DriverMySQL, DSN: server.FormatDSN(), MaxOpenConns: 1})
	if err != nil {
		return nil, false, err
	}
	defer admin.Close()
	// db.Config.Validate has refused names with backquotes, so quoting is safe.
	if _, err := admin.SQL.ExecContext(ctx, "CREATE DATABASE IF NOT EXISTS `"+cfg.Name+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"); err != nil {
		return nil, false, fmt.Errorf("create database %s: %w", cfg.Name, err)
	}
	d, err = Open(ctx, cfg)
	return d, err == nil, err
}
