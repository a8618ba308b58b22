package main

// Checks of docker-compose.yml. No Docker engine runs where these tests run,
// so the file is proven instead: loaded by the Compose specification's own
// loader (what `docker compose config` runs: schema validation,
// interpolation, env_file, normalisation, consistency), then held against
// the binary itself: the role table, serve's flag parser and config.Load.

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"maps"
	"net"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"

	"github.com/b2b-orders/platform/db"
	"github.com/b2b-orders/platform/internal/app"
	"github.com/b2b-orders/platform/internal/config"
)

// composeServers names the compose service that runs each role alone.
var composeServers = map[string]string{
	"customers":    "customers-api",
	"orders":       "orders-api",
	"orchestrator": "orchestrator",
	"graph":        "graph",
}

// composeJobs are the one-shot services and the b2b command each runs.
var composeJobs = map[string]string{"migrate": "migrate", "seed": "seed"}

// Who must set a variable in docker-compose.yml.
const (
	envEverywhere = "every b2b container, the jobs too"
	envServers    = "every long-running b2b container"
	envOptional   = "nobody: the default serves compose"
	envNever      = "nobody, ever"
)

// composeEnv classifies every variable config.Load reads. A new variable
// fails TestComposeEnvironment until it is added here, so that whoever adds
// it decides whether compose must set it. A role name means: that role's
// server.
var composeEnv = map[string]string{
	"DB_DRIVER":   envEverywhere, // the default is the embedded store
	"DB_HOST":     envEverywhere,
	"DB_PORT":     envEverywhere,
	"DB_USER":     envEverywhere,
	"DB_PASSWORD": envEverywhere,
	"DB_NAME":     envEverywhere,
	"DB_DSN":      envOptional, // replaces the five above, for options they cannot say
	// serve refuses to start on MySQL without them (Config.ResolveSecrets).
	"JWT_SECRET":    envServers,
	"SERVICE_TOKEN": envServers,
	// The split roles reach each other through these.
	"CUSTOMERS_API_BASE": "orders",
	"GRAPH_URL":          "orchestrator",
	"ORDERS_API_BASE":    envOptional, // read, but no split role calls the orders role
	"GRAPH_TIMEOUT":      envOptional, // the default suits the orchestrator
	// Only the embedded store uses it; the image sets it anyway.
	"B2B_DATA_DIR":          envOptional,
	"DB_CONNECTION_LIMIT":   envOptional,
	"AUTH_REQUIRED":         envOptional,
	"OIDC_ISSUER":           envOptional, // sign-in through the seller's identity provider, off without it
	"OIDC_AUDIENCE":         envOptional,
	"OIDC_LINK_EMAIL":       envOptional,
	"CANCEL_WINDOW":         envOptional,
	"IDEMPOTENCY_KEY_TTL":   envOptional,
	"APPROVAL_TTL":          envOptional,
	"CURRENCY":              envOptional,
	"LOG_LEVEL":             envOptional,
	"LOG_FORMAT":            envOptional, // json, the default, is what collectors want
	"RATE_LIMIT":            envOptional, // off by default; an operator opts in
	"CORS_ORIGINS":          envOptional,
	"GRAPHQL_INTROSPECTION": envOptional,
	"NATS_URL":              envOptional, // without it the order events stay in the process
	"WEBHOOK_ALLOW_HOSTS":   envOptional, // the operator's own networks; none by default
	"WEBHOOK_TIMEOUT":       envOptional, // the default (10 s) suits compose
	"WEBHOOK_RETRY_FIRST":   envOptional, // the retry schedule: tests shorten it
	"WEBHOOK_RETRY_MAX":     envOptional,
	"WEBHOOK_RETRY_PERIOD":  envOptional,
	// One value for every container would give every role the same port.
	"PORT": envNever,
}

// loadCompose loads docker-compose.yml as `docker compose config` would in
// a checkout where the operator has just run `cp .env.example .env`. The
// two files are copied to a temporary project directory, so that neither
// the developer's own .env nor the process environment takes part.
func loadCompose(t *testing.T) *types.Project {
	t.Helper()
	root := repoRoot(t)
	dir := t.TempDir()
	for src, dst := range map[string]string{"docker-compose.yml": "docker-compose.yml", ".env.example": ".env"} {
		b, err := os.ReadFile(filepath.Join(root, src))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, dst), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	opts, err := cli.NewProjectOptions([]string{filepath.Join(dir, "docker-compose.yml")},
		cli.WithWorkingDirectory(dir), cli.WithEnvFiles(), cli.WithDotEnv)
	if err != nil {
		t.Fatal(err)
	}
	project, err := opts.LoadProject(context.Background())
	if err != nil {
		t.Fatalf("docker compose config would refuse docker-compose.yml: %v", err)
	}
	return project
}

// service returns one service of the project, failing the test without it.
func service(t *testing.T, p *types.Project, name string) types.ServiceConfig {
	t.Helper()
	s, ok := p.Services[name]
	if !ok {
		t.Fatalf("no service %q", name)
	}
	return s
}

// serviceEnv is a service's resolved environment as a getenv, recording the
// names asked for.
func serviceEnv(s types.ServiceConfig, read map[string]bool) func(string) string {
	return func(name string) string {
		read[name] = true
		if v := s.Environment[name]; v != nil {
			return *v
		}
		return ""
	}
}

// projectRel is a bind mount's source relative to the project directory.
func projectRel(t *testing.T, p *types.Project, source string) string {
	t.Helper()
	rel, err := filepath.Rel(p.WorkingDir, source)
	if err != nil || strings.HasPrefix(rel, "..") {
		t.Fatalf("bind mount %s is outside the project", source)
	}
	return filepath.ToSlash(rel)
}

// rolePort is the role table's port of a role.
func rolePort(t *testing.T, name string) int {
	t.Helper()
	for _, rl := range app.Roles() {
		if rl.Name == name {
			return rl.Port
		}
	}
	t.Fatalf("no role %q in the role table", name)
	return 0
}

func TestComposeServices(t *testing.T) {
	p := loadCompose(t)
	want := []string{"gateway", "mysql"}
	want = append(want, slices.Collect(maps.Values(composeServers))...)
	want = append(want, slices.Collect(maps.Keys(composeJobs))...)
	slices.Sort(want)
	if got := slices.Sorted(maps.Keys(p.Services)); !slices.Equal(got, want) {
		t.Fatalf("services %v, want %v", got, want)
	}

	// Every role of the table runs in exactly the service named for it,
	// alone, on its own port, which is published as is, and never migrates.
	for _, rl := range app.Roles() {
		name, ok := composeServers[rl.Name]
		if !ok {
			t.Errorf("role %s runs in no compose service", rl.Name)
			continue
		}
		s := service(t, p, name)
		if len(s.Command) == 0 || s.Command[0] != "serve" {
			t.Errorf("%s: command %q, want serve ...", name, s.Command)
			continue
		}
		cfg, err := config.Load(serviceEnv(s, map[string]bool{}))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		opts, err := parseServeFlags(s.Command[1:], cfg.Port, io.Discard)
		if err != nil {
			t.Errorf("%s: serve %q: %v", name, s.Command[1:], err)
			continue
		}
		if len(opts.roles) != 1 || opts.roles[0].Name != rl.Name || opts.ports[rl.Name] != rl.Port {
			t.Errorf("%s: %q runs %v on %v, want only %s on %d", name, s.Command, opts.roles, opts.ports, rl.Name, rl.Port)
		}
		if !opts.noMigrate {
			t.Errorf("%s: serve without --no-migrate: only the migrate job may change the schema", name)
		}
		checkPublished(t, s, rl.Port, "")
	}
	for name, command := range composeJobs {
		if s := service(t, p, name); !slices.Equal(s.Command, []string{command}) {
			t.Errorf("%s: command %q, want [%s]", name, s.Command, command)
		}
	}
	checkPublished(t, service(t, p, "gateway"), 4001, "")
	checkPublished(t, service(t, p, "mysql"), 3306, "127.0.0.1")
}

// checkPublished: the service publishes port on the same host port (on
// hostIP, or every interface when it is "").
func checkPublished(t *testing.T, s types.ServiceConfig, port int, hostIP string) {
	t.Helper()
	for _, pc := range s.Ports {
		if int(pc.Target) == port && pc.Published == strconv.Itoa(port) && pc.HostIP == hostIP {
			return
		}
	}
	t.Errorf("%s: ports %+v, want %s:%d:%d", s.Name, s.Ports, hostIP, port, port)
}

// b2bServices are the services that run the b2b image: servers and jobs.
func b2bServices() []string {
	return append(slices.Collect(maps.Values(composeServers)), slices.Collect(maps.Keys(composeJobs))...)
}

func TestComposeImage(t *testing.T) {
	p := loadCompose(t)
	d := readDockerfile(t)
	final := d.stages[len(d.stages)-1]
	var args []string
	for _, in := range final.find("ARG") {
		for _, a := range strings.Fields(in.args) {
			name, _, _ := strings.Cut(a, "=")
			args = append(args, name)
		}
	}
	image := ""
	for _, name := range b2bServices() {
		s := service(t, p, name)
		if s.Build == nil || s.Build.Context != p.WorkingDir {
			t.Errorf("%s: not built from the project's Dockerfile: %+v", name, s.Build)
			continue
		}
		if image == "" {
			image = s.Image
		}
		if s.Image != image {
			t.Errorf("%s: image %s, want the one image %s of every b2b service", name, s.Image, image)
		}
		for arg := range s.Build.Args {
			if !slices.Contains(args, arg) {
				t.Errorf("%s: build arg %s is no ARG of the Dockerfile's final stage %v", name, arg, args)
			}
		}
		if len(s.Entrypoint) != 0 {
			t.Errorf("%s: entrypoint %q replaces the image's /b2b", name, s.Entrypoint)
		}
		if !s.ReadOnly || !slices.Equal(s.CapDrop, []string{"ALL"}) {
			t.Errorf("%s: read_only %v, cap_drop %v; the binary needs neither writes nor privileges on MySQL", name, s.ReadOnly, s.CapDrop)
		}
	}
}

func TestComposeDependencies(t *testing.T) {
	p := loadCompose(t)
	needs := func(name string, want map[string]string) {
		t.Helper()
		s := service(t, p, name)
		for dep, cond := range want {
			if got := s.DependsOn[dep].Condition; got != cond {
				t.Errorf("%s depends on %s with %q, want %q", name, dep, got, cond)
			}
		}
	}
	afterSeed := map[string]string{
		"mysql":   types.ServiceConditionHealthy,
		"migrate": types.ServiceConditionCompletedSuccessfully,
		"seed":    types.ServiceConditionCompletedSuccessfully,
	}
	for _, name := range composeServers {
		needs(name, afterSeed)
	}
	needs("migrate", map[string]string{"mysql": types.ServiceConditionHealthy})
	needs("seed", map[string]string{"mysql": types.ServiceConditionHealthy, "migrate": types.ServiceConditionCompletedSuccessfully})
	needs("gateway", map[string]string{
		composeServers["customers"]: types.ServiceConditionHealthy,
		composeServers["orders"]:    types.ServiceConditionHealthy,
	})
	needs(composeServers["orchestrator"], map[string]string{"gateway": types.ServiceConditionHealthy})
}

func TestComposeHealthAndRestart(t *testing.T) {
	p := loadCompose(t)
	for name, s := range p.Services {
		if _, job := composeJobs[name]; job {
			// A finished job is no server: the image's HEALTHCHECK, which
			// would probe a port nobody listens on, is switched off, and a
			// failed migration must not loop.
			if s.HealthCheck == nil || !s.HealthCheck.Disable {
				t.Errorf("%s: healthcheck %+v, want disable: true", name, s.HealthCheck)
			}
			if s.Restart != types.RestartPolicyNo {
				t.Errorf("%s: restart %q, want \"no\"", name, s.Restart)
			}
			continue
		}
		if s.Restart != types.RestartPolicyUnlessStopped {
			t.Errorf("%s: restart %q, want unless-stopped", name, s.Restart)
		}
		hc := s.HealthCheck
		if hc == nil || hc.Disable || len(hc.Test) < 2 || hc.Interval == nil || hc.Timeout == nil || hc.Retries == nil {
			t.Errorf("%s: healthcheck %+v, want a test, an interval, a timeout and retries", name, hc)
			continue
		}
		if hc.Test[0] != "CMD" && hc.Test[0] != "CMD-SHELL" {
			t.Errorf("%s: healthcheck test %q", name, hc.Test)
		}
	}

	// The servers probe themselves with the binary, on their role's port,
	// with more time than the probe gives itself.
	for role, name := range composeServers {
		hc := service(t, p, name).HealthCheck
		want := []string{"CMD", "/b2b", "healthcheck", "--port", strconv.Itoa(rolePort(t, role))}
		if hc == nil || !slices.Equal(hc.Test, want) {
			t.Errorf("%s: healthcheck test %v, want %q", name, hc, want)
			continue
		}
		if hc.Timeout == nil || time.Duration(*hc.Timeout) <= defaultProbeTimeout {
			t.Errorf("%s: healthcheck timeout %v, want one above the probe's own %s", name, hc.Timeout, defaultProbeTimeout)
		}
	}
	d := readDockerfile(t)
	entry := d.stages[len(d.stages)-1].find("ENTRYPOINT")
	if len(entry) != 1 || !slices.Equal(entry[0].exec(t), []string{"/b2b"}) {
		t.Errorf("the healthchecks run /b2b, but the image's ENTRYPOINT is %v", entry)
	}

	if mysql := service(t, p, "mysql"); mysql.HealthCheck == nil {
		t.Error("mysql: no healthcheck")
	} else if test := strings.Join(mysql.HealthCheck.Test, " "); !strings.Contains(test, "mysqladmin ping") || !strings.Contains(test, "--host=127.0.0.1") {
		t.Errorf("mysql: healthcheck %q, want mysqladmin ping over TCP", test)
	}
}

func TestComposeMySQL(t *testing.T) {
	p := loadCompose(t)
	s := service(t, p, "mysql")
	if !strings.HasPrefix(s.Image, "mysql:8") {
		t.Errorf("mysql: image %s, want mysql:8.x", s.Image)
	}
	for _, flag := range []string{"--character-set-server=utf8mb4", "--collation-server=utf8mb4_bin"} {
		if !slices.Contains(s.Command, flag) {
			t.Errorf("mysql: command %q lacks %s", s.Command, flag)
		}
	}
	if !slices.ContainsFunc(s.Volumes, func(v types.ServiceVolumeConfig) bool {
		_, declared := p.Volumes[v.Source]
		return v.Type == types.VolumeTypeVolume && declared && v.Target == "/var/lib/mysql"
	}) {
		t.Errorf("mysql: volumes %+v, want a named volume on /var/lib/mysql", s.Volumes)
	}
}

// TestComposeEnvironment: every b2b container loads its configuration, and
// every variable config.Load reads is set where docker-compose.yml needs it
// and consistent with the rest of the file.
func TestComposeEnvironment(t *testing.T) {
	p := loadCompose(t)
	read := map[string]bool{}
	configs := map[string]config.Config{}
	for _, name := range b2bServices() {
		s := service(t, p, name)
		cfg, err := config.Load(serviceEnv(s, read))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		configs[name] = cfg
	}
	if t.Failed() {
		t.FailNow()
	}

	for name := range read {
		if _, ok := composeEnv[name]; !ok {
			t.Errorf("config.Load reads %s: classify it in composeEnv (and set it in docker-compose.yml if compose needs it)", name)
		}
	}
	for name := range composeEnv {
		if !read[name] {
			t.Errorf("composeEnv classifies %s, which config.Load no longer reads", name)
		}
	}

	servers := slices.Collect(maps.Values(composeServers))
	for name, need := range composeEnv {
		var must []string
		switch need {
		case envEverywhere:
			must = b2bServices()
		case envServers:
			must = servers
		case envOptional:
		case envNever:
			for _, svc := range b2bServices() {
				if v := service(t, p, svc).Environment[name]; v != nil {
					t.Errorf("%s: %s is set: %s", svc, name, need)
				}
			}
		default:
			must = []string{composeServers[need]}
		}
		for _, svc := range must {
			if v := service(t, p, svc).Environment[name]; v == nil || strings.TrimSpace(*v) == "" {
				t.Errorf("%s: %s is not set; it must be, for %s", svc, name, need)
			}
		}
	}

	// The values agree with the rest of the file: the database the mysql
	// service creates, secrets shared by all servers, addresses of services
	// that serve what is asked of them.
	mysql := service(t, p, "mysql")
	mysqlEnv := func(k string) string {
		if v := mysql.Environment[k]; v != nil {
			return *v
		}
		return ""
	}
	first := configs[servers[0]]
	for name, cfg := range configs {
		c := cfg.DB
		if c.Driver != db.DriverMySQL || c.Host != "mysql" || c.Port != 3306 {
			t.Errorf("%s: database %s, want mysql on mysql:3306", name, c)
		}
		if c.Name != mysqlEnv("MYSQL_DATABASE") || c.User != mysqlEnv("MYSQL_USER") || c.Password != mysqlEnv("MYSQL_PASSWORD") {
			t.Errorf("%s: database %s as %s, but the mysql service creates %s for %s (or another password)",
				name, c.Name, c.User, mysqlEnv("MYSQL_DATABASE"), mysqlEnv("MYSQL_USER"))
		}
		if _, job := composeJobs[name]; job {
			continue
		}
		if _, _, err := cfg.ResolveSecrets(); err != nil {
			t.Errorf("%s: serve would refuse to start: %v", name, err)
		}
		if cfg.JWTSecret != first.JWTSecret || cfg.ServiceToken != first.ServiceToken {
			t.Errorf("%s: JWT_SECRET or SERVICE_TOKEN differs from %s's: tokens would not work across roles", name, servers[0])
		}
	}
	checkURL(t, "orders-api CUSTOMERS_API_BASE", configs[composeServers["orders"]].CustomersAPIBase,
		composeServers["customers"], rolePort(t, "customers"), "")
	checkURL(t, "orchestrator GRAPH_URL", configs[composeServers["orchestrator"]].GraphURL, "gateway", 4001, "/graphql")
}

// checkURL: raw points at service:port, with path.
func checkURL(t *testing.T, what, raw, service string, port int, path string) {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() != service || u.Port() != strconv.Itoa(port) || u.Path != path {
		t.Errorf("%s = %s, want http://%s%s", what, raw, net.JoinHostPort(service, strconv.Itoa(port)), path)
	}
}

// TestComposeGateway: the gateway serves the supergraph that the federation
// check writes, from the file in the repository, and reaches every subgraph
// the supergraph names at the container that serves it.
func TestComposeGateway(t *testing.T) {
	root := repoRoot(t)
	p := loadCompose(t)
	gw := service(t, p, "gateway")
	checkGatewayImage(t, p, gw)
	if len(gw.Command) < 4 || gw.Command[0] != "supergraph" || !slices.Contains(gw.Command, "--port") ||
		gw.Command[slices.Index(gw.Command, "--port")+1] != "4001" {
		t.Fatalf("gateway: command %q, want supergraph --port 4001 FILE", gw.Command)
	}
	supergraphTarget := gw.Command[len(gw.Command)-1]

	mounts := map[string]types.ServiceVolumeConfig{}
	for _, v := range gw.Volumes {
		if v.Type != types.VolumeTypeBind {
			continue
		}
		mounts[v.Target] = v
		if !v.ReadOnly {
			t.Errorf("gateway: %s is mounted read-write", v.Target)
		}
	}

	config, ok := mounts["/gateway/gateway.config.mjs"]
	if !ok {
		t.Fatalf("gateway: no config mounted at /gateway/gateway.config.mjs: %+v", gw.Volumes)
	}
	configText, err := os.ReadFile(filepath.Join(root, projectRel(t, p, config.Source)))
	if err != nil {
		t.Fatalf("gateway config: %v", err)
	}
	// The headers it forwards are generated into limits.mjs, which the
	// loop below requires mounted beside it.
	if !strings.Contains(string(configText), "SUBGRAPH_URL_") || !strings.Contains(string(configText), "forwardedHeaders") {
		t.Error("the gateway config no longer reads SUBGRAPH_URL_<NAME> or forwards the generated forwardedHeaders")
	}
	// Each module the config imports by a relative path must be mounted
	// beside it, from the file beside it in the repository.
	for _, m := range regexp.MustCompile(`from '\./([^']+)'`).FindAllStringSubmatch(string(configText), -1) {
		dep, ok := mounts["/gateway/"+m[1]]
		if !ok {
			t.Errorf("gateway: the config imports ./%s, which is not mounted at /gateway/%s", m[1], m[1])
			continue
		}
		if want := path.Join(path.Dir(projectRel(t, p, config.Source)), m[1]); projectRel(t, p, dep.Source) != want {
			t.Errorf("gateway: /gateway/%s is mounted from %s, want %s", m[1], dep.Source, want)
		}
	}

	t.Run("supergraph", func(t *testing.T) {
		const file = "graph/federation/supergraph.graphql"
		m, ok := mounts[supergraphTarget]
		if !ok || projectRel(t, p, m.Source) != file {
			t.Fatalf("gateway: %s is not ./%s: %+v", supergraphTarget, file, gw.Volumes)
		}
		sdl, err := os.ReadFile(filepath.Join(root, file))
		if errors.Is(err, fs.ErrNotExist) {
			t.Skip(file + " does not exist yet: the federation check (graph/federation) writes it")
		}
		if err != nil {
			t.Fatal(err)
		}
		graphs := regexp.MustCompile(`@join__graph\(name: "([^"]+)"`).FindAllStringSubmatch(string(sdl), -1)
		if len(graphs) == 0 {
			t.Fatalf("%s names no subgraph", file)
		}
		for _, g := range graphs {
			name := g[1]
			key := "SUBGRAPH_URL_" + strings.ToUpper(name)
			v := gw.Environment[key]
			if v == nil {
				t.Errorf("gateway: subgraph %s has no %s", name, key)
				continue
			}
			// Each subgraph is served at /graphql by the role of its name.
			server, ok := composeServers[name]
			if !ok {
				t.Errorf("subgraph %s is served by no role", name)
				continue
			}
			checkURL(t, "gateway "+key, *v, server, rolePort(t, name), "/graphql")
		}
	})
}

// TestEnvExample: .env.example holds placeholders, never secrets, and names
// only variables that something reads.
func TestEnvExample(t *testing.T) {
	root := repoRoot(t)
	b, err := os.ReadFile(filepath.Join(root, ".env.example"))
	if err != nil {
		t.Fatal(err)
	}
	compose, err := os.ReadFile(filepath.Join(root, "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	assignment := regexp.MustCompile(`^(#\s*)?([A-Z][A-Z0-9_]*)=(\S*)`)
	seen := map[string]bool{}
	for line := range strings.Lines(string(b)) {
		m := assignment.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		name, value := m[2], m[3]
		seen[name] = true
		need, read := composeEnv[name]
		if !read && !strings.Contains(string(compose), "${"+name) {
			t.Errorf(".env.example sets %s, which neither config.Load nor docker-compose.yml reads", name)
		}
		if need == envNever {
			t.Errorf(".env.example sets %s: %s", name, need)
		}
		if m[1] == "" && (strings.Contains(name, "SECRET") || strings.Contains(name, "TOKEN") || strings.Contains(name, "PASSWORD")) &&
			!strings.HasPrefix(value, "change-me") {
			t.Errorf(".env.example: %s is not a change-me placeholder", name)
		}
	}
	for _, name := range []string{"DB_NAME", "DB_USER", "DB_PASSWORD", "JWT_SECRET", "SERVICE_TOKEN"} {
		if !seen[name] {
			t.Errorf(".env.example does not set %s", name)
		}
	}
	gitignore, err := os.ReadFile(filepath.Join(root, ".gitignore"))
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^/?\.env$`).Match(gitignore) {
		t.Error(".gitignore does not ignore .env")
	}
}

// TestDocsCompose: the operations page's "Run with Docker Compose" section
// names every service and every published port of docker-compose.yml.
func TestDocsCompose(t *testing.T) {
	root := repoRoot(t)
	b, err := os.ReadFile(filepath.Join(root, "docs", "operations.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n## Run with Docker Compose\n")
	if !ok {
		t.Fatal(`docs/operations.md has no "## Run with Docker Compose" section`)
	}
	if end := strings.Index(section, "\n## "); end >= 0 {
		section = section[:end]
	}
	p := loadCompose(t)
	for name, s := range p.Services {
		if !strings.Contains(section, "`"+name+"`") {
			t.Errorf("the compose section of docs/operations.md does not mention `%s`", name)
		}
		for _, pc := range s.Ports {
			if !strings.Contains(section, pc.Published) {
				t.Errorf("the compose section of docs/operations.md does not mention %s's port %s", name, pc.Published)
			}
		}
	}
	for _, cmd := range []string{"cp .env.example .env", "docker compose up -d", "docker compose logs"} {
		if !strings.Contains(section, cmd) {
			t.Errorf("the compose section of docs/operations.md lacks %q", cmd)
		}
	}
}

// checkGatewayImage: the gateway is built from deploy/gateway.Dockerfile,
// Hive Gateway (MIT) with Hive Router's runtime turned on, at the versions
// the federation check runs (graph/federation/package.json), so that what
// CI proves is what compose deploys.
func checkGatewayImage(t *testing.T, p *types.Project, gw types.ServiceConfig) {
	t.Helper()
	if gw.Build == nil || projectRel(t, p, gw.Build.Context) != "deploy" || gw.Build.Dockerfile != "gateway.Dockerfile" {
		t.Fatalf("gateway: build %+v, want deploy/gateway.Dockerfile", gw.Build)
	}
	root := repoRoot(t)
	dockerfile, err := os.ReadFile(filepath.Join(root, "deploy", "gateway.Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(root, "graph", "federation", "package.json"))
	if err != nil {
		t.Fatal(err)
	}
	var pkg struct{ Dependencies map[string]string }
	if err := json.Unmarshal(raw, &pkg); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"FROM ghcr.io/graphql-hive/gateway:" + pkg.Dependencies["@graphql-hive/gateway"] + "\n",
		"@graphql-hive/router-runtime@" + pkg.Dependencies["@graphql-hive/router-runtime"] + "\n",
	} {
		if strings.Contains(want, "@\n") || strings.HasSuffix(want, ":\n") || !strings.Contains(string(dockerfile), want) {
			t.Errorf("deploy/gateway.Dockerfile lacks %q (the version graph/federation/package.json pins)", strings.TrimSpace(want))
		}
	}
	if v := gw.Environment["HIVE_ROUTER_RUNTIME"]; v == nil || *v != "true" {
		t.Error("gateway: HIVE_ROUTER_RUNTIME is not true")
	}
	if v := gw.Environment["NODE_ENV"]; v == nil || *v != "production" {
		t.Error("gateway: NODE_ENV is not production")
	}
}
