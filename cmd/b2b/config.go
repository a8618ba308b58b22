package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/b2b-orders/platform/db"
	"github.com/b2b-orders/platform/graph/server"
	"github.com/b2b-orders/platform/internal/delivery"
	"github.com/b2b-orders/platform/services/webhooks"
)

// Config is everything the binary reads from its environment. main reads
// it once with LoadConfig and passes it down; nothing below main looks at
// the environment.
type Config struct {
	// DB says which store to open; DB.DataDir (B2B_DATA_DIR) also holds the
	// generated secrets.
	DB db.Config
	// JWTSecret and ServiceToken are empty when the environment does not
	// set them; resolveSecrets fills them for the commands that need them.
	JWTSecret    string
	ServiceToken string
	// AuthRequired refuses callers without credentials on the public routes.
	AuthRequired bool
	// Port (PORT) replaces the role's default port when one role runs; 0 when unset.
	Port             int
	CustomersAPIBase string
	OrdersAPIBase    string
	// GraphURL is where the orchestrator sends its mutation; empty means
	// the graph role of the same process.
	GraphURL          string
	CancelWindow      time.Duration
	IdempotencyKeyTTL time.Duration
	LogLevel          slog.Level
	// LogFormat is "json" (one object a line, for collectors) or "text"
	// (key=value, for people).
	LogFormat string
	// RateLimit bounds requests per client on the public routes and the
	// graph; the zero value is off.
	RateLimit RateLimit
	// CORSOrigins lists the browser origins allowed to call the API; empty
	// means no cross-origin access.
	CORSOrigins []string
	// Introspection (GRAPHQL_INTROSPECTION) says who may read the graph's
	// schema: public (the default), authenticated or off.
	Introspection server.Introspection
	// NATSURL (NATS_URL), when set, is the NATS server the order events
	// are published to (JetStream); empty keeps them in the process.
	NATSURL string
	// Webhooks tunes the webhook deliveries.
	Webhooks WebhookConfig
}

// WebhookConfig is how webhooks are delivered: WEBHOOK_ALLOW_HOSTS,
// WEBHOOK_TIMEOUT and the retry schedule (WEBHOOK_RETRY_FIRST,
// WEBHOOK_RETRY_MAX, WEBHOOK_RETRY_PERIOD), which tests shorten to
// seconds.
type WebhookConfig struct {
	// Allow lists the networks (CIDRs or single addresses) and host names
	// that receivers may be at although they are private, loopback or
	// link-local; empty allows public addresses only.
	Allow delivery.Allow
	// Timeout bounds each request (default 10 s).
	Timeout time.Duration
	// Retry is the schedule of failed attempts (zero fields: the defaults).
	Retry webhooks.Retry
}

// LoadConfig reads the configuration through getenv (os.Getenv in main, a
// map in tests), applies the defaults and validates every value. The error
// joins one "NAME: problem" per bad variable, so an operator sees them all
// at once.
func LoadConfig(getenv func(string) string) (Config, error) {
	p := envParser{getenv: getenv}
	cfg := Config{
		DB: db.Config{
			Driver:       p.oneOf("DB_DRIVER", db.DriverSQLite, db.DriverSQLite, db.DriverMySQL),
			Host:         p.str("DB_HOST", "localhost"),
			Port:         p.port("DB_PORT", 3306),
			User:         p.str("DB_USER", "root"),
			Password:     getenv("DB_PASSWORD"),
			Name:         p.str("DB_NAME", "b2b_orders"),
			MaxOpenConns: p.positiveInt("DB_CONNECTION_LIMIT", 10),
			DataDir:      p.str("B2B_DATA_DIR", "./data"),
			// A whole DSN, for what the variables above cannot say (a
			// Galera node's wsrep_sync_wait=1, TLS): it replaces them.
			DSN: strings.TrimSpace(getenv("DB_DSN")),
		},
		// Secrets are taken verbatim: surrounding spaces may be part of them.
		JWTSecret:         getenv("JWT_SECRET"),
		ServiceToken:      getenv("SERVICE_TOKEN"),
		AuthRequired:      p.boolean("AUTH_REQUIRED", true),
		Port:              p.port("PORT", 0),
		CustomersAPIBase:  p.httpURL("CUSTOMERS_API_BASE", "http://localhost:3001"),
		OrdersAPIBase:     p.httpURL("ORDERS_API_BASE", "http://localhost:3002"),
		GraphURL:          p.optionalHTTPURL("GRAPH_URL"),
		CancelWindow:      p.duration("CANCEL_WINDOW", 10*time.Minute),
		IdempotencyKeyTTL: p.duration("IDEMPOTENCY_KEY_TTL", 24*time.Hour),
		LogLevel:          p.logLevel("LOG_LEVEL", slog.LevelInfo),
		LogFormat:         p.oneOf("LOG_FORMAT", "json", "json", "text"),
		RateLimit:         p.rateLimit("RATE_LIMIT"),
		CORSOrigins:       p.origins("CORS_ORIGINS"),
		Introspection: server.Introspection(p.oneOf("GRAPHQL_INTROSPECTION", string(server.IntrospectionPublic),
			string(server.IntrospectionPublic), string(server.IntrospectionAuthenticated), string(server.IntrospectionOff))),
		NATSURL: p.natsURL("NATS_URL"),
		Webhooks: WebhookConfig{
			Allow:   p.allowHosts("WEBHOOK_ALLOW_HOSTS"),
			Timeout: p.duration("WEBHOOK_TIMEOUT", 10*time.Second),
			Retry: webhooks.Retry{
				First:  p.duration("WEBHOOK_RETRY_FIRST", webhooks.DefaultRetry.First),
				Factor: webhooks.DefaultRetry.Factor,
				Max:    p.duration("WEBHOOK_RETRY_MAX", webhooks.DefaultRetry.Max),
				Period: p.duration("WEBHOOK_RETRY_PERIOD", webhooks.DefaultRetry.Period),
			},
		},
	}
	if len(p.errs) == 0 {
		if err := cfg.DB.Validate(); err != nil {
			p.errs = append(p.errs, err)
		}
	}
	if len(p.errs) > 0 {
		return Config{}, fmt.Errorf("configuration: %w", errors.Join(p.errs...))
	}
	return cfg, nil
}

// LogValue shows the configuration with its secrets masked, so that logging
// it is always safe.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("db", c.DB.String()),
		slog.String("data_dir", c.DB.DataDir),
		slog.Int("db_connection_limit", c.DB.MaxOpenConns),
		slog.String("jwt_secret", mask(c.JWTSecret)),
		slog.String("service_token", mask(c.ServiceToken)),
		slog.Bool("auth_required", c.AuthRequired),
		slog.Int("port", c.Port),
		slog.String("customers_api_base", c.CustomersAPIBase),
		slog.String("nats_url", maskURL(c.NATSURL)),
		slog.String("orders_api_base", c.OrdersAPIBase),
		slog.String("graph_url", c.GraphURL),
		slog.String("cancel_window", c.CancelWindow.String()),
		slog.String("idempotency_key_ttl", c.IdempotencyKeyTTL.String()),
		slog.String("log_level", c.LogLevel.String()),
		slog.String("log_format", c.LogFormat),
		slog.String("rate_limit", c.RateLimit.String()),
		slog.Any("cors_origins", c.CORSOrigins),
		slog.String("graphql_introspection", string(c.Introspection)),
		slog.String("webhook_allow_hosts", c.Webhooks.Allow.String()),
		slog.String("webhook_timeout", c.Webhooks.Timeout.String()),
		slog.String("webhook_retry_period", c.Webhooks.Retry.Period.String()),
	)
}

// String and GoString mask the secrets too, for the %v and %#v verbs.
func (c Config) String() string { return c.LogValue().String() }

// GoString: see String.
func (c Config) GoString() string { return "main.Config" + c.String() }

func mask(secret string) string {
	if secret == "" {
		return "(unset)"
	}
	return "(set)"
}

// envParser reads one variable per call and collects the problems, so
// that LoadConfig reads as a list of names and defaults.
type envParser struct {
	getenv func(string) string
	errs   []error
}

func (p *envParser) fail(name, problem string) {
	p.errs = append(p.errs, fmt.Errorf("%s: %s", name, problem))
}

// str returns the trimmed value, or def when it is unset or blank.
func (p *envParser) str(name, def string) string {
	if v := strings.TrimSpace(p.getenv(name)); v != "" {
		return v
	}
	return def
}

func (p *envParser) oneOf(name, def string, allowed ...string) string {
	v := strings.ToLower(p.str(name, def))
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	p.fail(name, fmt.Sprintf("must be one of %s, got %q", strings.Join(allowed, ", "), v))
	return def
}

func (p *envParser) port(name string, def int) int {
	v := p.str(name, "")
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 65535 {
		p.fail(name, "not a port number")
		return def
	}
	return n
}

func (p *envParser) positiveInt(name string, def int) int {
	v := p.str(name, "")
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		p.fail(name, fmt.Sprintf("must be a positive integer, got %q", v))
		return def
	}
	return n
}

func (p *envParser) boolean(name string, def bool) bool {
	v := p.str(name, "")
	if v == "" {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		p.fail(name, fmt.Sprintf("must be true or false, got %q", v))
		return def
	}
	return b
}

func (p *envParser) duration(name string, def time.Duration) time.Duration {
	v := p.str(name, "")
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		p.fail(name, fmt.Sprintf("must be a positive duration such as 10m or 24h, got %q", v))
		return def
	}
	return d
}

func (p *envParser) logLevel(name string, def slog.Level) slog.Level {
	v := p.str(name, "")
	if v == "" {
		return def
	}
	var l slog.Level
	if err := l.UnmarshalText([]byte(v)); err != nil {
		p.fail(name, fmt.Sprintf("must be debug, info, warn or error, got %q", v))
		return def
	}
	return l
}

// httpURL accepts an absolute http or https URL.
func (p *envParser) httpURL(name, def string) string {
	v := p.str(name, def)
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		p.fail(name, fmt.Sprintf("must be an http(s) URL, got %q", v))
		return def
	}
	return strings.TrimRight(v, "/")
}

// optionalHTTPURL is httpURL with no default: unset stays "".
func (p *envParser) optionalHTTPURL(name string) string {
	if p.getenv(name) == "" {
		return ""
	}
	return p.httpURL(name, "")
}

// origins parses a comma-separated list of origins ("https://shop.example")
// or "*".
func (p *envParser) origins(name string) []string {
	var out []string
	for o := range strings.SplitSeq(p.getenv(name), ",") {
		o = strings.TrimSpace(o)
		if o == "" {
			continue
		}
		if o != "*" {
			u, err := url.Parse(o)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
				p.fail(name, fmt.Sprintf("%q is not an origin such as https://shop.example", o))
				continue
			}
			o = strings.TrimSuffix(o, "/")
		}
		out = append(out, o)
	}
	return out
}

// RateLimit is RATE_LIMIT: at most Requests per Window from one client.
// Requests == 0 turns limiting off.
type RateLimit struct {
	Requests int
	Window   time.Duration
}

// String is the form RATE_LIMIT takes, or "off".
func (r RateLimit) String() string {
	if r.Requests == 0 {
		return "off"
	}
	return fmt.Sprintf("%d/%s", r.Requests, r.Window)
}

// rateLimit parses "N/WINDOW" (e.g. 600/1m, 20/1s; a bare unit such as
// 100/m means one of it). Unset or "0" is off. The window is at least a
// second because Retry-After counts whole seconds.
func (p *envParser) rateLimit(name string) RateLimit {
	v := p.str(name, "")
	if v == "" || v == "0" || strings.EqualFold(v, "off") {
		return RateLimit{}
	}
	n, w, ok := strings.Cut(v, "/")
	requests, err := strconv.Atoi(strings.TrimSpace(n))
	w = strings.TrimSpace(w)
	if w != "" && (w[0] < '0' || w[0] > '9') {
		w = "1" + w
	}
	window, werr := time.ParseDuration(w)
	if !ok || err != nil || werr != nil || requests < 1 || window < time.Second {
		p.fail(name, fmt.Sprintf("must be N/WINDOW such as 600/1m (N >= 1, WINDOW >= 1s) or 0 for off, got %q", v))
		return RateLimit{}
	}
	return RateLimit{Requests: requests, Window: window}
}

// natsURL reads an optional NATS server URL (nats:// or tls://, or several
// of them separated by commas).
func (p *envParser) natsURL(name string) string {
	v := strings.TrimSpace(p.getenv(name))
	if v == "" {
		return ""
	}
	for part := range strings.SplitSeq(v, ",") {
		u, err := url.Parse(strings.TrimSpace(part))
		if err != nil || (u.Scheme != "nats" && u.Scheme != "tls") || u.Host == "" {
			p.errs = append(p.errs, fmt.Errorf("%s: want nats://host:port (or tls://), got %q", name, maskURL(part)))
			return ""
		}
	}
	return v
}

// maskURL hides the password of a URL's user info.
func maskURL(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.User == nil {
		return raw
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// allowHosts parses WEBHOOK_ALLOW_HOSTS: a comma-separated list of CIDRs
// (10.0.0.0/8, fd00::/8), single addresses (127.0.0.1) and host names
// (webhooks.internal) that webhook receivers may be at although the guard
// refuses private, loopback and link-local addresses.
func (p *envParser) allowHosts(name string) delivery.Allow {
	var a delivery.Allow
	for v := range strings.SplitSeq(p.getenv(name), ",") {
		v = strings.TrimSpace(v)
		switch {
		case v == "":
		case strings.Contains(v, "/"):
			pf, err := netip.ParsePrefix(v)
			if err != nil {
				p.fail(name, fmt.Sprintf("%q is not a CIDR such as 10.0.0.0/8", v))
				continue
			}
			a.Prefixes = append(a.Prefixes, pf.Masked())
		default:
			if ip, err := netip.ParseAddr(strings.Trim(v, "[]")); err == nil {
				a.Prefixes = append(a.Prefixes, netip.PrefixFrom(ip.Unmap(), ip.Unmap().BitLen()))
				continue
			}
			if strings.ContainsAny(v, ":@ ") {
				p.fail(name, fmt.Sprintf("%q is neither a CIDR, an address nor a host name", v))
				continue
			}
			a.Hosts = append(a.Hosts, strings.ToLower(v))
		}
	}
	return a
}
