package db

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"ariga.io/atlas/sql/migrate"
	"entgo.io/ent/dialect"
)

func TestValidate(t *testing.T) {
	valid := []Config{
		{DataDir: "data"},
		{Driver: "sqlite", DSN: "file:x.db?mode=memory"},
		{Driver: "mysql", Host: "db", Port: 3306, User: "app", Password: "pw", Name: "b2b", MaxOpenConns: 20},
		{Driver: "mysql", Host: "db", User: "app", Name: "b2b"}, // port 0 means 3306
		{Driver: "mysql", DSN: "root@tcp(127.0.0.1:3306)/b2b"},
	}
	for _, c := range valid {
		if err := c.Validate(); err != nil {
			t.Errorf("Validate(%v) = %v, want nil", c, err)
		}
	}
	invalid := []struct {
		cfg  Config
		want []string // each must appear in the message
	}{
		{Config{}, []string{"sqlite data directory is empty"}},
		{Config{Driver: "postgres"}, []string{`unknown driver "postgres"`}},
		{Config{DataDir: "d", MaxOpenConns: -1}, []string{"connection limit must not be negative, got -1"}},
		{Config{Driver: "mysql"}, []string{"mysql host is empty", "mysql user is empty", "mysql database name is empty"}},
		{Config{Driver: "mysql", Host: "h", User: "u", Name: "n", Port: 70000}, []string{"port must be between 1 and 65535, got 70000"}},
		{Config{Driver: "mysql", Host: "h", User: "u", Name: "a/b"}, []string{`database name "a/b" is not valid`}},
		{Config{Driver: "mysql", DSN: "not a dsn"}, []string{"mysql DSN"}},
	}
	for _, tc := range invalid {
		err := tc.cfg.Validate()
		if err == nil {
			t.Errorf("Validate(%v) = nil, want an error", tc.cfg)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("Validate(%v) = %q, want it to mention %q", tc.cfg, err, w)
			}
		}
	}
}

func TestStringMasksPassword(t *testing.T) {
	for _, c := range []Config{
		{Driver: "mysql", Host: "db", User: "app", Password: "s3cret", Name: "b2b"},
		{Driver: "mysql", DSN: "app:s3cret@tcp(db:3306)/b2b"},
	} {
		for _, s := range []string{c.String(), fmt.Sprint(c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c)} {
			if strings.Contains(s, "s3cret") {
				t.Errorf("%q shows the password", s)
			}
			if !strings.Contains(s, "app:***@tcp(db:3306)/b2b") {
				t.Errorf("%q does not say where it connects", s)
			}
		}
	}
	if got, want := (Config{DataDir: "var"}).String(), "sqlite var/b2b.db (pool 10)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func TestMySQLConfigEnforcesOptions(t *testing.T) {
	for _, c := range []Config{
		{Driver: "mysql", Host: "db", User: "app", Password: "pw", Name: "b2b"},
		// A DSN says where to connect; it cannot switch off what the code relies on.
		{Driver: "mysql", DSN: "app:pw@tcp(db:3306)/b2b?parseTime=false&interpolateParams=false&loc=Local&collation=latin1_swedish_ci"},
	} {
		mc, err := c.mysqlConfig()
		if err != nil {
			t.Fatal(err)
		}
		if mc.Addr != "db:3306" || mc.User != "app" || mc.Passwd != "pw" || mc.DBName != "b2b" {
			t.Errorf("identity: %+v", mc)
		}
		if !mc.ParseTime || !mc.InterpolateParams || mc.Loc != time.UTC {
			t.Errorf("parseTime %v, interpolateParams %v, loc %v", mc.ParseTime, mc.InterpolateParams, mc.Loc)
		}
		if mc.Collation != "utf8mb4_unicode_ci" {
			t.Errorf("collation %q", mc.Collation)
		}
		if mc.Params["time_zone"] != "'+00:00'" {
			t.Errorf("params %v", mc.Params)
		}
		if mc.Timeout == 0 || mc.WriteTimeout == 0 {
			t.Errorf("timeouts: dial %v, write %v", mc.Timeout, mc.WriteTimeout)
		}
		if dsn := mc.FormatDSN(); !strings.Contains(dsn, "charset=utf8mb4") {
			t.Errorf("DSN %q lacks the utf8mb4 charset", dsn)
		}
	}
}

func TestSQLiteDSN(t *testing.T) {
	got, err := sqliteDSN("/data/b2b.db")
	if err != nil {
		t.Fatal(err)
	}
	path, query, _ := strings.Cut(got, "?")
	q, err := url.ParseQuery(query)
	if err != nil {
		t.Fatal(err)
	}
	if path != "/data/b2b.db" {
		t.Errorf("path %q", path)
	}
	wantPragmas := "busy_timeout(10000) foreign_keys(1) journal_mode(WAL) synchronous(NORMAL)"
	if p := strings.Join(q["_pragma"], " "); p != wantPragmas {
		t.Errorf("pragmas %q, want %q", p, wantPragmas)
	}
	if q.Get("_txlock") != "immediate" || q.Get("_timezone") != "UTC" {
		t.Errorf("query %v", q)
	}

	// Parameters given in the DSN win.
	got, err = sqliteDSN("file:x.db?_pragma=busy_timeout(0)&_txlock=deferred")
	if err != nil {
		t.Fatal(err)
	}
	_, query, _ = strings.Cut(got, "?")
	q, _ = url.ParseQuery(query)
	if p := strings.Join(q["_pragma"], " "); p != "busy_timeout(0) foreign_keys(1) journal_mode(WAL) synchronous(NORMAL)" {
		t.Errorf("pragmas %q", p)
	}
	if q.Get("_txlock") != "deferred" {
		t.Errorf("_txlock %q", q.Get("_txlock"))
	}
}

func TestEmbeddedMigrationsValidate(t *testing.T) {
	for _, d := range []string{dialect.MySQL, dialect.SQLite} {
		dir, err := migrationDir(d)
		if err != nil {
			t.Fatalf("%s: %v", d, err)
		}
		files, err := dir.Files()
		if err != nil || len(files) == 0 {
			t.Fatalf("%s: %d files, %v", d, len(files), err)
		}
	}
}

func TestEditedMigrationIsRefused(t *testing.T) {
	sub := "migrations/sqlite"
	orig := fstest.MapFS{}
	err := fs.WalkDir(migrationsFS, sub, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := fs.ReadFile(migrationsFS, p)
		orig[p] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for p, f := range orig {
		if strings.HasSuffix(p, ".sql") {
			f.Data = append(append([]byte{}, f.Data...), "DROP TABLE customers;\n"...)
		}
	}
	_, err = loadMigrationDir(orig, sub)
	if !errors.Is(err, migrate.ErrChecksumMismatch) {
		t.Fatalf("err = %v, want ErrChecksumMismatch", err)
	}
}

func TestSeedStatements(t *testing.T) {
	for d, prefix := range map[string]string{dialect.MySQL: "INSERT IGNORE INTO ", dialect.SQLite: "INSERT OR IGNORE INTO "} {
		stmts, err := seedStatements(d)
		if err != nil {
			t.Fatal(err)
		}
		if len(stmts) != 7 {
			t.Fatalf("%d statements, want 7", len(stmts))
		}
		for _, s := range stmts {
			if !strings.HasPrefix(s, prefix) {
				t.Errorf("%s: %.40q does not start with %q", d, s, prefix)
			}
		}
	}
}
