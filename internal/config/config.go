// Package config is the binary's environment: every variable it reads,
// with its default and meaning, in one table (Vars), read once by
// cmd/b2b through Load. Nothing below main reads the environment; the
// operations page's configuration table is generated from Vars
// (go generate), and a test fails when the two differ.
package config

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
	"github.com/b2b-orders/platform/lambda/orchestrator"
	"github.com/b2b-orders/platform/services/webhooks"
)

// Config is everything the binary reads from its environment. main reads
// it once with Load and passes it down; nothing below main looks at the
// environment.
type Config struct {
	// DB says which store to open; DB.DataDir (B2B_DATA_DIR) also holds the
	// generated secrets.
	DB db.Config
	// JWTSecret and ServiceToken are empty when the environment does not
	// set them; Config.ResolveSecrets fills them for the commands that
	// need them.
	JWTSecret    string
	ServiceToken string
	// AuthRequired refuses callers without credentials on the public routes.
	AuthRequired bool
	// OIDC is the seller's identity provider; off when Issuer is empty.
	OIDC OIDCConfig
	// Port (PORT) replaces the role's default port when one role runs; 0 when unset.
	Port             int
	CustomersAPIBase string
	OrdersAPIBase    string
	// GraphURL is where the orchestrator sends its mutation; empty means
	// the graph role of the same process.
	GraphURL string
	// GraphTimeout bounds one call of the orchestrator into the graph.
	GraphTimeout      time.Duration
	CancelWindow      time.Duration
	IdempotencyKeyTTL time.Duration
	// ApprovalTTL is how long an order waits for approval before it is
	// canceled.
	ApprovalTTL time.Duration
	// Currency (ISO 4217) is the store's: of the products' own prices,
	// of price lists, and of the orders placed before currencies.
	Currency string
	LogLevel slog.Level
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

// Load reads the configuration through getenv (os.Getenv in main, a map
// in tests), applies the defaults and validates every value. The error
// joins one "NAME: problem" per bad variable, so an operator sees them all
// at once.
func Load(getenv func(string) string) (Config, error) {
	p := &parser{getenv: getenv}
	cfg := read(p)
	if (cfg.OIDC.Issuer == "") != (cfg.OIDC.Audience == "") {
		p.fail("OIDC_AUDIENCE", "OIDC_ISSUER and OIDC_AUDIENCE are set together or not at all")
	}
	if cfg.GraphTimeout > orchestrator.MaxGraphTimeout {
		p.fail("GRAPH_TIMEOUT", fmt.Sprintf("must be at most %s: the orchestrator's three graph calls must fit in one request", orchestrator.MaxGraphTimeout))
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

// Var is one environment variable: its name, its default as an operator
// writes it, and what it does.
type Var struct {
	Name, Default, Doc string
}

// Vars lists every variable Load reads, in the order it reads them: the
// table of the documentation, taken from the calls that read them so that
// it cannot miss one.
func Vars() []Var {
	p := &parser{getenv: func(string) string { return "" }, record: true}
	read(p)
	return p.vars
}

// read is the table itself: one call per variable, with its default and
// its meaning.
func read(p *parser) Config {
	return Config{
		DB: db.Config{
			Driver: p.oneOf("DB_DRIVER", db.DriverSQLite, "`sqlite` (an embedded file in `B2B_DATA_DIR`) or `mysql` (MySQL 8 or MariaDB)",
				db.DriverSQLite, db.DriverMySQL),
			Host:         p.str("DB_HOST", "localhost", "MySQL host"),
			Port:         p.port("DB_PORT", 3306, "MySQL port"),
			User:         p.str("DB_USER", "root", "MySQL user"),
			Password:     p.secret("DB_PASSWORD", "MySQL password"),
			Name:         p.str("DB_NAME", "b2b_orders", "MySQL database (`b2b migrate` creates it when missing)"),
			MaxOpenConns: p.positiveInt("DB_CONNECTION_LIMIT", 10, "connection pool size"),
			DataDir:      p.str("B2B_DATA_DIR", "./data", "holds the embedded database `b2b.db` and the generated `secrets.json`"),
			// A whole DSN, for what the variables above cannot say (a
			// Galera node's wsrep_sync_wait=1, TLS): it replaces them.
			DSN: strings.TrimSpace(p.secret("DB_DSN", "a whole go-sql-driver DSN, replacing `DB_HOST` … `DB_NAME`, for options they cannot say (`wsrep_sync_wait=1` on a Galera node, TLS)")),
		},
		JWTSecret:    p.secret("JWT_SECRET", "HS256 secret of user tokens; generated into `B2B_DATA_DIR/secrets.json` on the embedded store when unset, required with `mysql`"),
		ServiceToken: p.secret("SERVICE_TOKEN", "bearer token of the internal routes and of calls between roles; generated like `JWT_SECRET`"),
		AuthRequired: p.boolean("AUTH_REQUIRED", true, "`false` lets callers without credentials use the public routes, as the original did"),
		OIDC: OIDCConfig{
			Issuer:    p.issuerURL("OIDC_ISSUER", "the seller's OpenID Provider (its `iss`, where `/.well-known/openid-configuration` is); empty turns sign-in through it off"),
			Audience:  p.str("OIDC_AUDIENCE", "", "the `aud` its tokens must carry for this API (the client id, or an API audience); required with `OIDC_ISSUER`"),
			LinkEmail: p.boolean("OIDC_LINK_EMAIL", false, "`true` lets a first sign-in find its member by a verified `email` claim when no member has its subject yet"),
		},
		Port:              p.port("PORT", 0, "port of the role when `serve` runs exactly one role (an error with several)"),
		CustomersAPIBase:  p.httpURL("CUSTOMERS_API_BASE", "http://localhost:3001", "where an orders role running without the customers role checks customers"),
		OrdersAPIBase:     p.httpURL("ORDERS_API_BASE", "http://localhost:3002", "accepted for the original's configuration; unused (the orchestrator talks to the graph)"),
		GraphURL:          p.optionalHTTPURL("GRAPH_URL", "where the orchestrator sends its mutation; empty means the graph role of the same process"),
		GraphTimeout:      p.duration("GRAPH_TIMEOUT", orchestrator.DefaultGraphTimeout, "how long one call of the orchestrator into the graph may take; at most `15s` in the binary, whose requests allow three such calls (the Lambda reads it too)"),
		CancelWindow:      p.duration("CANCEL_WINDOW", 10*time.Minute, "how long after creation a confirmed order can still be cancelled"),
		IdempotencyKeyTTL: p.duration("IDEMPOTENCY_KEY_TTL", 24*time.Hour, "how long idempotency keys are kept"),
		ApprovalTTL:       p.duration("APPROVAL_TTL", 72*time.Hour, "how long an order waits for approval before it is canceled"),
		Currency:          p.currency("CURRENCY", "USD", "the store's currency (ISO 4217, three letters): of the products' own prices, of every price list, and of the orders placed before currencies"),
		LogLevel:          p.logLevel("LOG_LEVEL", slog.LevelInfo, "`debug`, `info`, `warn` or `error`"),
		LogFormat:         p.oneOf("LOG_FORMAT", "json", "`json` (one object a line, for log collectors) or `text` (key=value, for people)", "json", "text"),
		RateLimit:         p.rateLimit("RATE_LIMIT", "requests per client and window on the public routes and the graph, e.g. `600/1m` or `20/1s`; `0` is off"),
		CORSOrigins:       p.origins("CORS_ORIGINS", "comma-separated browser origins allowed to call the REST API, or `*`; empty allows none"),
		Introspection: server.Introspection(p.oneOf("GRAPHQL_INTROSPECTION", string(server.IntrospectionPublic),
			"who may read the graphs' schema (`__schema`, `__type`, `_service`): `public`, `authenticated` (every caller that may run operations) or `off`",
			string(server.IntrospectionPublic), string(server.IntrospectionAuthenticated), string(server.IntrospectionOff))),
		NATSURL: p.natsURL("NATS_URL", "NATS server(s) for the order events (`nats://host:4222`, comma-separated); empty keeps them in the process"),
		Webhooks: WebhookConfig{
			Allow:   p.allowHosts("WEBHOOK_ALLOW_HOSTS", "comma-separated CIDRs (`10.0.0.0/8`), addresses (`127.0.0.1`) and host names (`hooks.internal`) that webhook receivers may be at although they are private, loopback or link-local; empty allows public addresses only"),
			Timeout: p.duration("WEBHOOK_TIMEOUT", delivery.DefaultTimeout, "how long one webhook attempt may take, connection to answer"),
			Retry: webhooks.Retry{
				First:  p.duration("WEBHOOK_RETRY_FIRST", webhooks.DefaultRetry.First, "the ceiling of the first wait after a failed webhook attempt"),
				Factor: webhooks.DefaultRetry.Factor,
				Max:    p.duration("WEBHOOK_RETRY_MAX", webhooks.DefaultRetry.Max, "the longest wait between webhook attempts"),
				Period: p.duration("WEBHOOK_RETRY_PERIOD", webhooks.DefaultRetry.Period, "how long a delivery is retried, and an endpoint may fail before it is disabled"),
			},
		},
	}
}

// OIDCConfig is the seller's OpenID Provider.
type OIDCConfig struct {
	Issuer, Audience string
	LinkEmail        bool
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
		slog.String("oidc_issuer", c.OIDC.Issuer),
		slog.String("oidc_audience", c.OIDC.Audience),
		slog.Bool("oidc_link_email", c.OIDC.LinkEmail),
		slog.Int("port", c.Port),
		slog.String("customers_api_base", c.CustomersAPIBase),
		slog.String("nats_url", maskURL(c.NATSURL)),
		slog.String("orders_api_base", c.OrdersAPIBase),
		slog.String("graph_url", c.GraphURL),
		slog.String("graph_timeout", c.GraphTimeout.String()),
		slog.String("cancel_window", c.CancelWindow.String()),
		slog.String("idempotency_key_ttl", c.IdempotencyKeyTTL.String()),
		slog.String("approval_ttl", c.ApprovalTTL.String()),
		slog.String("currency", c.Currency),
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
func (c Config) GoString() string { return "config.Config" + c.String() }

func mask(secret string) string {
	if secret == "" {
		return "(unset)"
	}
	return "(set)"
}

// parser reads one variable per call and collects the problems, so that
// read is a list of names, defaults and meanings; with record set it also
// lists the variables (Vars).
type parser struct {
	getenv func(string) string
	errs   []error
	record bool
	vars   []Var
}

func (p *parser) fail(name, problem string) {
	p.errs = append(p.errs, fmt.Errorf("%s: %s", name, problem))
}

// note records a variable for Vars.
func (p *parser) note(name, def, doc string) {
	if p.record {
		p.vars = append(p.vars, Var{Name: name, Default: def, Doc: doc})
	}
}

// value returns the trimmed value, "" when it is unset or blank.
func (p *parser) value(name string) string {
	return strings.TrimSpace(p.getenv(name))
}

// str returns the trimmed value, or def when it is unset or blank.
func (p *parser) str(name, def, doc string) string {
	p.note(name, def, doc)
	if v := p.value(name); v != "" {
		return v
	}
	return def
}

// secret returns the value verbatim: surrounding spaces may be part of a
// secret. It has no default.
func (p *parser) secret(name, doc string) string {
	p.note(name, "", doc)
	return p.getenv(name)
}

// currency is an ISO 4217 code: three letters, upper-cased.
func (p *parser) currency(name, def, doc string) string {
	p.note(name, def, doc)
	v := strings.ToUpper(p.value(name))
	if v == "" {
		return def
	}
	if len(v) != 3 || strings.ContainsFunc(v, func(r rune) bool { return r < 'A' || r > 'Z' }) {
		p.fail(name, fmt.Sprintf("must be a currency code of three letters (ISO 4217), got %q", v))
		return def
	}
	return v
}

func (p *parser) oneOf(name, def, doc string, allowed ...string) string {
	p.note(name, def, doc)
	v := strings.ToLower(p.value(name))
	if v == "" {
		v = def
	}
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	p.fail(name, fmt.Sprintf("must be one of %s, got %q", strings.Join(allowed, ", "), v))
	return def
}

func (p *parser) port(name string, def int, doc string) int {
	p.note(name, portDefault(def), doc)
	v := p.value(name)
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

func (p *parser) positiveInt(name string, def int, doc string) int {
	p.note(name, strconv.Itoa(def), doc)
	v := p.value(name)
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

func (p *parser) boolean(name string, def bool, doc string) bool {
	p.note(name, strconv.FormatBool(def), doc)
	v := p.value(name)
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

func (p *parser) duration(name string, def time.Duration, doc string) time.Duration {
	p.note(name, durationString(def), doc)
	v := p.value(name)
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

func (p *parser) logLevel(name string, def slog.Level, doc string) slog.Level {
	p.note(name, strings.ToLower(def.String()), doc)
	v := p.value(name)
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
func (p *parser) httpURL(name, def, doc string) string {
	p.note(name, def, doc)
	return p.checkHTTPURL(name, def)
}

func (p *parser) checkHTTPURL(name, def string) string {
	v := p.value(name)
	if v == "" {
		v = def
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		p.fail(name, fmt.Sprintf("must be an http(s) URL, got %q", v))
		return def
	}
	return strings.TrimRight(v, "/")
}

// issuerURL is optionalHTTPURL kept exactly as written: an OpenID
// issuer is compared with a token's iss byte for byte, trailing slash
// included (Auth0 writes one).
func (p *parser) issuerURL(name, doc string) string {
	p.note(name, "", doc)
	v := p.getenv(name)
	if v == "" {
		return ""
	}
	p.checkHTTPURL(name, "")
	return v
}

// optionalHTTPURL is httpURL with no default: unset stays "".
func (p *parser) optionalHTTPURL(name, doc string) string {
	p.note(name, "", doc)
	if p.getenv(name) == "" {
		return ""
	}
	return p.checkHTTPURL(name, "")
}

// origins parses a comma-separated list of origins ("https://shop.example")
// or "*".
func (p *parser) origins(name, doc string) []string {
	p.note(name, "", doc)
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
func (p *parser) rateLimit(name, doc string) RateLimit {
	p.note(name, "0", doc)
	v := p.value(name)
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
func (p *parser) natsURL(name, doc string) string {
	p.note(name, "", doc)
	v := p.value(name)
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
// (hooks.internal) that webhook receivers may be at although the guard
// refuses private, loopback and link-local addresses.
func (p *parser) allowHosts(name, doc string) delivery.Allow {
	p.note(name, "", doc)
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

// portDefault is a port's default as the table shows it: "" for none.
func portDefault(def int) string {
	if def == 0 {
		return ""
	}
	return strconv.Itoa(def)
}

// durationString writes a duration as an operator would: 10m, 24h, 5s
// rather than time.Duration's 10m0s and 24h0m0s.
func durationString(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") || strings.HasSuffix(s, "h0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
