package config

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/b2b-orders/platform/db"
	"github.com/b2b-orders/platform/graph/server"
	"github.com/b2b-orders/platform/internal/delivery"
	"github.com/b2b-orders/platform/services/webhooks"
)

// env turns a map into a getenv.
func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func defaultConfig() Config {
	return Config{
		DB: db.Config{
			Driver: "sqlite", Host: "localhost", Port: 3306, User: "root", Name: "b2b_orders",
			MaxOpenConns: 10, DataDir: "./data",
		},
		AuthRequired:      true,
		CustomersAPIBase:  "http://localhost:3001",
		OrdersAPIBase:     "http://localhost:3002",
		GraphURL:          "",
		CancelWindow:      10 * time.Minute,
		IdempotencyKeyTTL: 24 * time.Hour,
		ApprovalTTL:       72 * time.Hour,
		Currency:          "USD",
		LogLevel:          slog.LevelInfo,
		LogFormat:         "json",
		Introspection:     server.IntrospectionPublic,
		Webhooks:          WebhookConfig{Timeout: 10 * time.Second, Retry: webhooks.DefaultRetry},
		GraphTimeout:      10 * time.Second,
	}
}

func TestLoadConfig(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want func(*Config)
	}{
		{"defaults", nil, func(*Config) {}},
		{"blank values mean the default", map[string]string{"DB_HOST": "  ", "DB_PORT": ""}, func(*Config) {}},
		{"identity provider, its issuer kept as written", map[string]string{
			"OIDC_ISSUER": "https://tenant.auth0.com/", "OIDC_AUDIENCE": "https://api.example.com", "OIDC_LINK_EMAIL": "true",
		}, func(c *Config) {
			c.OIDC = OIDCConfig{Issuer: "https://tenant.auth0.com/", Audience: "https://api.example.com", LinkEmail: true}
		}},
		{"mysql", map[string]string{
			"DB_DRIVER": "MySQL", "DB_HOST": "db.internal", "DB_PORT": "3307", "DB_USER": "app",
			"DB_PASSWORD": " p@ss ", "DB_NAME": "orders", "DB_CONNECTION_LIMIT": "25",
		}, func(c *Config) {
			c.DB.Driver, c.DB.Host, c.DB.Port, c.DB.User = "mysql", "db.internal", 3307, "app"
			c.DB.Password, c.DB.Name, c.DB.MaxOpenConns = " p@ss ", "orders", 25
		}},
		{"everything else", map[string]string{
			"B2B_DATA_DIR": "/var/lib/b2b", "JWT_SECRET": "jwt", "SERVICE_TOKEN": "svc",
			"AUTH_REQUIRED": "false", "PORT": "8080",
			"CUSTOMERS_API_BASE": "http://customers:3001/", "ORDERS_API_BASE": "https://orders.example",
			"GRAPH_URL": "http://graph:4000/graphql", "CANCEL_WINDOW": "15m", "IDEMPOTENCY_KEY_TTL": "48h",
			"LOG_LEVEL": "debug", "CORS_ORIGINS": "https://shop.example, http://localhost:5173/ ,",
			"LOG_FORMAT": "Text", "RATE_LIMIT": "600/1m",
		}, func(c *Config) {
			c.DB.DataDir, c.JWTSecret, c.ServiceToken = "/var/lib/b2b", "jwt", "svc"
			c.AuthRequired, c.Port = false, 8080
			c.CustomersAPIBase, c.OrdersAPIBase = "http://customers:3001", "https://orders.example"
			c.GraphURL, c.CancelWindow, c.IdempotencyKeyTTL = "http://graph:4000/graphql", 15*time.Minute, 48*time.Hour
			c.LogLevel, c.LogFormat = slog.LevelDebug, "text"
			c.RateLimit = RateLimit{Requests: 600, Window: time.Minute}
			c.CORSOrigins = []string{"https://shop.example", "http://localhost:5173"}
		}},
		{"any origin", map[string]string{"CORS_ORIGINS": "*"}, func(c *Config) { c.CORSOrigins = []string{"*"} }},
		{"rate limit off", map[string]string{"RATE_LIMIT": "0"}, func(*Config) {}},
		{"introspection for authenticated callers", map[string]string{"GRAPHQL_INTROSPECTION": "Authenticated"}, func(c *Config) { c.Introspection = server.IntrospectionAuthenticated }},
		{"webhooks", map[string]string{
			"WEBHOOK_ALLOW_HOSTS": "127.0.0.1, 10.0.0.0/8 ,fd00::1,[::1],Hooks.Internal", "WEBHOOK_TIMEOUT": "2s",
			"WEBHOOK_RETRY_FIRST": "100ms", "WEBHOOK_RETRY_MAX": "1s", "WEBHOOK_RETRY_PERIOD": "5s",
		}, func(c *Config) {
			c.Webhooks.Allow = delivery.Allow{Prefixes: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("10.0.0.0/8"),
				netip.MustParsePrefix("fd00::1/128"), netip.MustParsePrefix("::1/128")}, Hosts: []string{"hooks.internal"}}
			c.Webhooks.Timeout = 2 * time.Second
			c.Webhooks.Retry = webhooks.Retry{First: 100 * time.Millisecond, Factor: 4, Max: time.Second, Period: 5 * time.Second}
		}},
		{"rate limit with a bare unit", map[string]string{"RATE_LIMIT": " 20 / s "}, func(c *Config) {
			c.RateLimit = RateLimit{Requests: 20, Window: time.Second}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Load(env(tt.env))
			if err != nil {
				t.Fatalf("LoadConfig: %v", err)
			}
			want := defaultConfig()
			tt.want(&want)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("got  %+v\nwant %+v", got.LogValue(), want.LogValue())
			}
		})
	}
}

func TestLoadConfigErrors(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want []string // substrings of the error, one per bad variable
	}{
		{map[string]string{"DB_PORT": "abc"}, []string{"DB_PORT: not a port number"}},
		{map[string]string{"DB_PORT": "0"}, []string{"DB_PORT: not a port number"}},
		{map[string]string{"DB_PORT": "65536"}, []string{"DB_PORT: not a port number"}},
		{map[string]string{"PORT": "-1"}, []string{"PORT: not a port number"}},
		{map[string]string{"WEBHOOK_ALLOW_HOSTS": "10.0.0.0/33,user@host"}, []string{"WEBHOOK_ALLOW_HOSTS: \"10.0.0.0/33\" is not a CIDR", "WEBHOOK_ALLOW_HOSTS: \"user@host\" is neither"}},
		{map[string]string{"GRAPH_TIMEOUT": "0s"}, []string{"GRAPH_TIMEOUT: must be a positive duration"}},
		{map[string]string{"GRAPH_TIMEOUT": "16s"}, []string{"GRAPH_TIMEOUT: must be at most 15s"}},
		{map[string]string{"WEBHOOK_TIMEOUT": "soon"}, []string{"WEBHOOK_TIMEOUT: must be a positive duration"}},
		{map[string]string{"DB_DRIVER": "postgres"}, []string{`DB_DRIVER: must be one of sqlite, mysql, got "postgres"`}},
		{map[string]string{"DB_CONNECTION_LIMIT": "0"}, []string{"DB_CONNECTION_LIMIT: must be a positive integer"}},
		{map[string]string{"DB_CONNECTION_LIMIT": "ten"}, []string{"DB_CONNECTION_LIMIT: must be a positive integer"}},
		{map[string]string{"AUTH_REQUIRED": "yes"}, []string{`AUTH_REQUIRED: must be true or false, got "yes"`}},
		{map[string]string{"GRAPHQL_INTROSPECTION": "open"}, []string{`GRAPHQL_INTROSPECTION: must be one of public, authenticated, off, got "open"`}},
		{map[string]string{"CANCEL_WINDOW": "10"}, []string{"CANCEL_WINDOW: must be a positive duration"}},
		{map[string]string{"IDEMPOTENCY_KEY_TTL": "-1h"}, []string{"IDEMPOTENCY_KEY_TTL: must be a positive duration"}},
		{map[string]string{"LOG_LEVEL": "loud"}, []string{"LOG_LEVEL: must be debug, info, warn or error"}},
		{map[string]string{"CUSTOMERS_API_BASE": "customers:3001"}, []string{"CUSTOMERS_API_BASE: must be an http(s) URL"}},
		{map[string]string{"GRAPH_URL": "ftp://graph/graphql"}, []string{"GRAPH_URL: must be an http(s) URL"}},
		{map[string]string{"OIDC_ISSUER": "sso.example.com", "OIDC_AUDIENCE": "b2b"}, []string{"OIDC_ISSUER: must be an http(s) URL"}},
		{map[string]string{"OIDC_ISSUER": "https://sso.example.com/"}, []string{"OIDC_AUDIENCE: OIDC_ISSUER and OIDC_AUDIENCE are set together"}},
		{map[string]string{"CORS_ORIGINS": "https://shop.example/path"}, []string{"CORS_ORIGINS: \"https://shop.example/path\" is not an origin"}},
		{map[string]string{"DB_DRIVER": "mysql", "DB_NAME": "bad/name"}, []string{"database name"}},
		{map[string]string{"CURRENCY": "EURO"}, []string{"CURRENCY", "three letters"}},
		{map[string]string{"CURRENCY": "E1R"}, []string{"CURRENCY", "three letters"}},
		{map[string]string{"LOG_FORMAT": "xml"}, []string{`LOG_FORMAT: must be one of json, text, got "xml"`}},
		{map[string]string{"RATE_LIMIT": "100"}, []string{"RATE_LIMIT: must be N/WINDOW"}},
		{map[string]string{"RATE_LIMIT": "0/1m"}, []string{"RATE_LIMIT: must be N/WINDOW"}},
		{map[string]string{"RATE_LIMIT": "10/100ms"}, []string{"RATE_LIMIT: must be N/WINDOW"}},
		{map[string]string{"RATE_LIMIT": "ten/1m"}, []string{"RATE_LIMIT: must be N/WINDOW"}},
		{map[string]string{"DB_PORT": "x", "LOG_LEVEL": "x", "ORDERS_API_BASE": "x"},
			[]string{"DB_PORT:", "LOG_LEVEL:", "ORDERS_API_BASE:"}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.env), func(t *testing.T) {
			_, err := Load(env(tt.env))
			if err == nil {
				t.Fatal("Load accepted it")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

func TestConfigLogMasksSecrets(t *testing.T) {
	cfg, err := Load(env(map[string]string{
		"DB_DRIVER": "mysql", "DB_PASSWORD": "db-password-1", "JWT_SECRET": "jwt-secret-2", "SERVICE_TOKEN": "service-token-3",
	}))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("starting", "config", cfg)
	for _, s := range []string{buf.String(), cfg.String(), fmt.Sprintf("%v %+v %#v", cfg, cfg, cfg)} {
		for _, secret := range []string{"db-password-1", "jwt-secret-2", "service-token-3"} {
			if strings.Contains(s, secret) {
				t.Errorf("%q shows %s", s, secret)
			}
		}
	}
	if !strings.Contains(buf.String(), `"jwt_secret":"(set)"`) {
		t.Errorf("log does not say the JWT secret is set: %s", buf.String())
	}
}

// The operations page's table is Vars, as go generate writes it: a
// variable added to the code and not to the page (or the other way round)
// fails here.
func TestDocsTableIsTheCode(t *testing.T) {
	b, err := os.ReadFile("../../docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	want, err := Splice(string(b))
	if err != nil {
		t.Fatalf("docs/operations.md: %v", err)
	}
	if string(b) != want {
		t.Error("docs/operations.md's configuration table is not config.Table(): run go generate ./internal/config")
	}
}

// Every variable Load reads is in Vars exactly once, with a meaning; and a
// value Load is given is read (Vars is no separate list that could miss
// one).
func TestVarsAreWhatLoadReads(t *testing.T) {
	seen := map[string]bool{}
	for _, v := range Vars() {
		if seen[v.Name] {
			t.Errorf("%s listed twice", v.Name)
		}
		seen[v.Name] = true
		if v.Doc == "" {
			t.Errorf("%s has no meaning", v.Name)
		}
	}
	read := map[string]bool{}
	if _, err := Load(func(k string) string { read[k] = true; return "" }); err != nil {
		t.Fatal(err)
	}
	for k := range read {
		if !seen[k] {
			t.Errorf("Load reads %s, which Vars does not list", k)
		}
	}
	if len(read) != len(seen) {
		t.Errorf("Load read %d variables, Vars lists %d", len(read), len(seen))
	}
	if !seen["GRAPH_TIMEOUT"] {
		t.Error("GRAPH_TIMEOUT is not listed")
	}
}
