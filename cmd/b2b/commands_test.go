package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"net"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/b2b-orders/platform/auth"
	"github.com/b2b-orders/platform/internal/config"
	"github.com/b2b-orders/platform/services"
)

func TestParseServeFlags(t *testing.T) {
	all := map[string]int{"customers": 3001, "orders": 3002, "orchestrator": 3003, "graph": 4000}
	tests := []struct {
		name      string
		args      []string
		envPort   int
		wantRoles []string
		wantPorts map[string]int
		wantErr   string
	}{
		{"defaults", nil, 0, []string{"customers", "orders", "orchestrator", "graph"}, all, ""},
		{"one role", []string{"--roles", "orders"}, 0, []string{"orders"}, map[string]int{"orders": 3002}, ""},
		{"table order, spaces, duplicates", []string{"--roles", "graph, customers,graph"}, 0,
			[]string{"customers", "graph"}, map[string]int{"customers": 3001, "graph": 4000}, ""},
		{"PORT with one role", []string{"--roles", "customers"}, 8080, []string{"customers"}, map[string]int{"customers": 8080}, ""},
		{"--port beats PORT", []string{"--roles", "customers", "--port", "customers=9000"}, 8080,
			[]string{"customers"}, map[string]int{"customers": 9000}, ""},
		{"--port 0", []string{"--port", "graph=0"}, 0, []string{"customers", "orders", "orchestrator", "graph"},
			map[string]int{"customers": 3001, "orders": 3002, "orchestrator": 3003, "graph": 0}, ""},
		{"PORT with several roles", nil, 8080, nil, nil, "PORT applies only when one role runs"},
		{"unknown role", []string{"--roles", "billing"}, 0, nil, nil, `unknown role "billing"`},
		{"empty roles", []string{"--roles", ""}, 0, nil, nil, `unknown role ""`},
		{"--port for a role that does not run", []string{"--roles", "orders", "--port", "graph=1"}, 0, nil, nil, "role graph does not run"},
		{"bad --port", []string{"--port", "graph"}, 0, nil, nil, "want ROLE=PORT"},
		{"bad --port number", []string{"--port", "graph=70000"}, 0, nil, nil, "want ROLE=PORT"},
		{"positional argument", []string{"now"}, 0, nil, nil, `unexpected argument "now"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts, err := parseServeFlags(tt.args, tt.envPort, io.Discard)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, rl := range opts.roles {
				names = append(names, rl.Name)
			}
			if !reflect.DeepEqual(names, tt.wantRoles) || !reflect.DeepEqual(opts.ports, tt.wantPorts) {
				t.Fatalf("roles %v ports %v, want %v %v", names, opts.ports, tt.wantRoles, tt.wantPorts)
			}
		})
	}
}

// runCmd runs the command line in-process.
func runCmd(t *testing.T, vars map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, func(k string) string { return vars[k] }, &out, &errb)
	return code, out.String(), errb.String()
}

func TestTokenUsesTheServersSecret(t *testing.T) {
	dir := t.TempDir()
	vars := map[string]string{"B2B_DATA_DIR": dir}
	code, out, errOut := runCmd(t, vars, "token", "--role", "customer", "--customer-id", "7", "--ttl", "1h")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(errOut, "generated JWT_SECRET and SERVICE_TOKEN") {
		t.Errorf("stderr does not say secrets were generated: %q", errOut)
	}
	// What serve would check with: the same data dir's secrets.
	cfg, err := config.Load(func(k string) string { return map[string]string{"B2B_DATA_DIR": dir}[k] })
	if err != nil {
		t.Fatal(err)
	}
	cfg, _, err = cfg.ResolveSecrets()
	if err != nil {
		t.Fatal(err)
	}
	p, err := (&auth.Tokens{Secret: []byte(cfg.JWTSecret)}).Verify(strings.TrimSpace(out))
	if err != nil {
		t.Fatalf("token does not verify: %v", err)
	}
	if p.Role != services.RoleCustomer || p.CustomerID != 7 {
		t.Fatalf("principal = %+v", p)
	}

	// A second token neither regenerates nor announces anything.
	code, out2, errOut := runCmd(t, vars, "token", "--role", "admin")
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	if _, err := (&auth.Tokens{Secret: []byte(cfg.JWTSecret)}).Verify(strings.TrimSpace(out2)); err != nil {
		t.Fatalf("second token does not verify: %v", err)
	}
}

func TestTokenFromEnvironmentSecret(t *testing.T) {
	vars := map[string]string{"B2B_DATA_DIR": t.TempDir(), "DB_DRIVER": "mysql", "JWT_SECRET": "env-secret", "SERVICE_TOKEN": "x"}
	code, out, errOut := runCmd(t, vars, "token", "--role", "staff", "--subject", "desk")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	p, err := (&auth.Tokens{Secret: []byte("env-secret")}).Verify(strings.TrimSpace(out))
	// The principal carries the token's expiry, which the clock decides.
	if err == nil && p.Expires.IsZero() {
		t.Fatalf("principal %+v: no expiry", p)
	}
	p.Expires = time.Time{}
	if err != nil || !reflect.DeepEqual(p, services.Principal{Role: services.RoleStaff, Subject: "desk"}) {
		t.Fatalf("principal %+v, %v", p, err)
	}
}

func TestCommandLineErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		args     []string
		vars     map[string]string
		wantCode int
		wantErr  string
	}{
		{[]string{"frobnicate"}, nil, 2, `unknown command "frobnicate"`},
		{[]string{"token"}, nil, 2, "--role must be admin, staff or customer"},
		{[]string{"token", "--role", "service"}, nil, 2, "--role must be admin, staff or customer"},
		{[]string{"token", "--role", "customer"}, nil, 2, "--customer-id N (N > 0) goes with --role customer"},
		{[]string{"token", "--role", "admin", "--customer-id", "3"}, nil, 2, "--customer-id N (N > 0) goes with --role customer"},
		{[]string{"token", "--role", "customer", "--customer-id", "-3"}, nil, 2, "--customer-id"},
		{[]string{"token", "--role", "admin", "--ttl", "0s"}, nil, 2, "--ttl must be positive"},
		{[]string{"token", "--role", "admin", "--bogus"}, nil, 2, "flag provided but not defined: -bogus"},
		{[]string{"token", "--role", "admin"}, map[string]string{"DB_DRIVER": "mysql"}, 1, "must be set with DB_DRIVER=mysql"},
		{[]string{"migrate"}, map[string]string{"DB_PORT": "abc"}, 1, "DB_PORT: not a port number"},
		{[]string{"serve", "--roles", "billing"}, nil, 2, `unknown role "billing"`},
		{[]string{"migrate", "extra"}, nil, 2, `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			vars := map[string]string{"B2B_DATA_DIR": dir}
			for k, v := range tt.vars {
				vars[k] = v
			}
			code, _, errOut := runCmd(t, vars, tt.args...)
			if code != tt.wantCode || !strings.Contains(errOut, tt.wantErr) {
				t.Fatalf("exit %d, stderr %q; want exit %d and %q", code, errOut, tt.wantCode, tt.wantErr)
			}
		})
	}
}

func TestHelpAndVersion(t *testing.T) {
	code, out, _ := runCmd(t, nil, "version")
	if code != 0 || !strings.HasPrefix(out, "b2b ") || !strings.Contains(out, "(commit ") {
		t.Errorf("version: exit %d, %q", code, out)
	}
	code, out, _ = runCmd(t, nil, "help")
	if code != 0 || !strings.Contains(out, "usage: b2b") {
		t.Errorf("help: exit %d, %q", code, out)
	}
	code, _, errOut := runCmd(t, map[string]string{"B2B_DATA_DIR": t.TempDir()}, "token", "-h")
	if code != 0 || !strings.Contains(errOut, "-customer-id") {
		t.Errorf("token -h: exit %d, %q", code, errOut)
	}
}

func TestMigrateAndSeedCommands(t *testing.T) {
	vars := map[string]string{"B2B_DATA_DIR": t.TempDir()}
	code, _, errOut := runCmd(t, vars, "seed")
	if code != 1 || !strings.Contains(errOut, "run b2b migrate first") {
		t.Fatalf("seed before migrate: exit %d, %q", code, errOut)
	}
	code, out, errOut := runCmd(t, vars, "migrate")
	if code != 0 || !strings.Contains(out, "applied") {
		t.Fatalf("migrate: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	code, out, _ = runCmd(t, vars, "migrate")
	if code != 0 || !strings.Contains(out, "up to date") {
		t.Fatalf("second migrate: exit %d, %q", code, out)
	}
	code, out, errOut = runCmd(t, vars, "seed")
	if code != 0 || !strings.Contains(out, "seeded") {
		t.Fatalf("seed: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	code, out, _ = runCmd(t, vars, "seed")
	if code != 0 || !strings.Contains(out, "seeded 0 rows") {
		t.Fatalf("second seed: exit %d, %q", code, out)
	}
}

// On MySQL (B2B_TEST_MYSQL_DSN set, as in CI), `migrate` creates a missing
// database, and migrate and seed can both be repeated.
func TestMigrateAndSeedOnMySQL(t *testing.T) {
	dsn := os.Getenv("B2B_TEST_MYSQL_DSN")
	if dsn == "" {
		t.Skip("B2B_TEST_MYSQL_DSN is not set")
	}
	server, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	host, port, err := net.SplitHostPort(server.Addr)
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("b2b_cmd_test_%d", time.Now().UnixNano())
	vars := map[string]string{
		"DB_DRIVER": "mysql", "DB_HOST": host, "DB_PORT": port,
		"DB_USER": server.User, "DB_PASSWORD": server.Passwd, "DB_NAME": name,
	}
	t.Cleanup(func() {
		server.DBName = ""
		admin, err := sql.Open("mysql", server.FormatDSN())
		if err != nil {
			t.Error(err)
			return
		}
		defer admin.Close()
		if _, err := admin.Exec("DROP DATABASE IF EXISTS `" + name + "`"); err != nil {
			t.Errorf("drop %s: %v", name, err)
		}
	})

	steps := []struct {
		args []string
		want []string
	}{
		{[]string{"migrate"}, []string{"created database " + name, "applied "}},
		{[]string{"migrate"}, []string{"up to date"}},
		{[]string{"seed"}, []string{"seeded 44 rows"}},
		{[]string{"seed"}, []string{"seeded 0 rows"}},
	}
	for _, s := range steps {
		code, out, errOut := runCmd(t, vars, s.args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", s.args, code, errOut)
		}
		for _, w := range s.want {
			if !strings.Contains(out, w) {
				t.Errorf("%v: stdout %q lacks %q", s.args, out, w)
			}
		}
	}
}
