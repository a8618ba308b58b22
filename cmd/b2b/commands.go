package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/b2b-orders/platform/auth"
	"github.com/b2b-orders/platform/db"
	"github.com/b2b-orders/platform/internal/relay"
	"github.com/b2b-orders/platform/services"
	"github.com/b2b-orders/platform/services/customers"
	"github.com/b2b-orders/platform/services/orders"
	"github.com/b2b-orders/platform/services/webhooks"
)

// serveOptions are serve's flags, resolved against the role table.
type serveOptions struct {
	roles     []role
	ports     map[string]int
	host      string
	noMigrate bool
}

// parseServeFlags reads serve's flags. envPort is PORT (0 when unset): it
// sets the port of the one role that runs, and is an error with several,
// since it cannot say which role it means.
func parseServeFlags(args []string, envPort int, stderr io.Writer) (serveOptions, error) {
	table := roles()
	names := make([]string, len(table))
	for i, rl := range table {
		names[i] = rl.name
	}
	fs := newFlagSet("serve")
	rolesFlag := fs.String("roles", strings.Join(names, ","), "comma-separated roles to run: "+strings.Join(names, ", "))
	var opts serveOptions
	fs.StringVar(&opts.host, "host", "", "listen host (default all interfaces)")
	fs.BoolVar(&opts.noMigrate, "no-migrate", false, "do not apply migrations at start-up")
	portFlags := map[string]int{}
	fs.Func("port", "ROLE=PORT: listen port of one role, repeatable (0 picks a free one)", func(v string) error {
		name, p, ok := strings.Cut(v, "=")
		n, err := strconv.Atoi(p)
		if !ok || !slices.Contains(names, name) || err != nil || n < 0 || n > 65535 {
			return fmt.Errorf("want ROLE=PORT with ROLE one of %s", strings.Join(names, ", "))
		}
		portFlags[name] = n
		return nil
	})
	if err := parseFlags(fs, args, stderr); err != nil {
		return opts, err
	}

	wanted := map[string]bool{}
	for n := range strings.SplitSeq(*rolesFlag, ",") {
		n = strings.TrimSpace(n)
		if !slices.Contains(names, n) {
			return opts, usageError{fmt.Errorf("--roles: unknown role %q (want %s)", n, strings.Join(names, ", "))}
		}
		wanted[n] = true
	}
	opts.ports = map[string]int{}
	for _, rl := range table {
		if wanted[rl.name] {
			opts.roles = append(opts.roles, rl)
			opts.ports[rl.name] = rl.port
		}
	}
	if envPort != 0 {
		if len(opts.roles) != 1 {
			return opts, fmt.Errorf("PORT applies only when one role runs, but %d run: unset it or use --port ROLE=PORT", len(opts.roles))
		}
		opts.ports[opts.roles[0].name] = envPort
	}
	for name, p := range portFlags {
		if !wanted[name] {
			return opts, usageError{fmt.Errorf("--port %s: role %s does not run", name, name)}
		}
		opts.ports[name] = p
	}
	return opts, nil
}

// serve runs the chosen roles until ctx ends.
func serve(ctx context.Context, cfg Config, args []string, log *slog.Logger, stderr io.Writer) error {
	opts, err := parseServeFlags(args, cfg.Port, stderr)
	if err != nil {
		return err
	}
	cfg, generated, err := resolveSecrets(cfg)
	if err != nil {
		return err
	}
	if generated {
		log.InfoContext(ctx, "generated JWT_SECRET and SERVICE_TOKEN", "file", filepath.Join(cfg.DB.DataDir, secretsFile))
	}
	if len(cfg.JWTSecret) < 32 {
		log.WarnContext(ctx, "JWT_SECRET is shorter than 32 bytes; tokens signed with it can be brute-forced")
	}
	roleNames := make([]string, len(opts.roles))
	for i, rl := range opts.roles {
		roleNames[i] = rl.name
	}
	log.InfoContext(ctx, "starting", "version", versionString(), "roles", roleNames, "config", cfg)

	d, err := db.Open(ctx, cfg.DB)
	if err != nil {
		return openError(err)
	}
	defer d.Close()
	if err := prepareStore(ctx, d, cfg.DB.Driver, opts.noMigrate, log); err != nil {
		return err
	}

	lns, err := listen(ctx, opts.host, opts.ports, opts.roles)
	if err != nil {
		return err
	}
	graphURL, err := orchestratorGraphURL(cfg, lns)
	if err != nil {
		for _, l := range lns {
			l.ln.Close()
		}
		return err
	}
	a := &app{
		cfg: cfg,
		db:  d,
		log: log,
		auth: &auth.Authenticator{
			Tokens:       &auth.Tokens{Secret: []byte(cfg.JWTSecret)},
			ServiceToken: cfg.ServiceToken,
			Required:     cfg.AuthRequired,
		},
	}
	a.graphURL = graphURL
	a.metrics = newMetrics(d, func(ctx context.Context) (int, time.Time, error) { return a.orders.OutboxLag(ctx) })
	a.customers = customers.New(d, nil)
	dir := customerDirectory(cfg, opts.roles, a.customers)
	if servesCustomerData(opts.roles) {
		a.auth.Customers = &auth.LiveCustomers{Exists: dir.Exists}
		a.customers.Deleted = a.auth.Customers.Gone
	}
	_, local := dir.(*customers.Service)
	a.bus = &relay.Bus{OnDrop: a.metrics.dropped.Inc}
	var onChange orders.Observer = &a.metrics.orders
	a.hooks = webhooks.New(d, webhooks.Config{Retry: cfg.Webhooks.Retry, Lease: webhookLease(cfg.Webhooks),
		// Deliveries fanned out and committed: deliver them now rather
		// than at the deliverer's next tick.
		FannedOut: func() {
			if a.deliverer != nil {
				a.deliverer.Nudge()
			}
		}})
	if changesOrders(opts.roles) {
		a.relay = newRelay(cfg, a, opts.roles)
		a.deliverer = newDeliverer(cfg, a)
		onChange = nudging{Observer: onChange, nudge: a.relay.Nudge}
	}
	a.orders = orders.New(d, dir, orders.Config{
		CancelWindow: cfg.CancelWindow, KeyTTL: cfg.IdempotencyKeyTTL, Observer: onChange,
		LiveCustomerInInsert: local,
		// Every relay fans the events it marks out to the webhook endpoints.
		Relayed: a.hooks.FanOut,
	})
	if a.relay != nil {
		a.relay.Orders = a.orders
	}
	if err := a.serveAll(ctx, lns); err != nil {
		return err
	}
	log.InfoContext(ctx, "stopped")
	return nil
}

// prepareStore brings the schema up to date at start-up, and fills an empty
// embedded store with the seed data so that a fresh checkout has something
// to show. A MySQL database is never seeded implicitly: that is `b2b seed`.
func prepareStore(ctx context.Context, d *db.DB, driver string, noMigrate bool, log *slog.Logger) error {
	if noMigrate {
		n, err := d.PendingMigrations(ctx)
		if err != nil {
			return fmt.Errorf("check migrations: %w", err)
		}
		if n > 0 {
			log.WarnContext(ctx, "migrations are pending; run b2b migrate", "pending", n)
		}
		return nil
	}
	applied, err := d.Migrate(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	log.InfoContext(ctx, "migrated", "applied", applied)
	if driver == db.DriverMySQL {
		return nil
	}
	empty, err := storeIsEmpty(ctx, d)
	if err != nil {
		return fmt.Errorf("inspect store: %w", err)
	}
	if !empty {
		return nil
	}
	rows, err := d.Seed(ctx)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	log.InfoContext(ctx, fmt.Sprintf("seeded %d rows", rows), "rows", rows)
	return nil
}

// openError explains a failed db.Open; the error itself names the target.
func openError(err error) error {
	if db.IsUnavailable(err) {
		return fmt.Errorf("%w (is the database running and reachable? see DB_HOST, DB_PORT)", err)
	}
	return err
}

// storeIsEmpty reports whether the store holds no customers, products or
// orders: a new store, or one nobody has used.
func storeIsEmpty(ctx context.Context, d *db.DB) (bool, error) {
	for _, exist := range []func(context.Context) (bool, error){
		d.Client.Customer.Query().Exist,
		d.Client.Product.Query().Exist,
		d.Client.Order.Query().Exist,
	} {
		found, err := exist(ctx)
		if err != nil || found {
			return false, err
		}
	}
	return true, nil
}

// migrate applies the pending migrations and says which; on MySQL it
// creates the database first if the server does not have it.
func migrate(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	if err := parseFlags(newFlagSet("migrate"), args, stderr); err != nil {
		return err
	}
	d, created, err := openCreating(ctx, cfg.DB)
	if err != nil {
		return openError(err)
	}
	defer d.Close()
	if created {
		fmt.Fprintf(stdout, "created database %s\n", cfg.DB.Name)
	}
	applied, err := d.Migrate(ctx)
	if err != nil {
		return fmt.Errorf("migrate %s: %w", cfg.DB, err)
	}
	if len(applied) == 0 {
		fmt.Fprintf(stdout, "%s: up to date, no migration to apply\n", cfg.DB)
		return nil
	}
	for _, name := range applied {
		fmt.Fprintf(stdout, "applied %s\n", name)
	}
	fmt.Fprintf(stdout, "%s: applied %d migration(s)\n", cfg.DB, len(applied))
	return nil
}

// seed loads the seed data into a migrated database and says how much was
// new; a second run adds nothing.
func seed(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	if err := parseFlags(newFlagSet("seed"), args, stderr); err != nil {
		return err
	}
	d, err := db.Open(ctx, cfg.DB)
	if err != nil {
		return openError(err)
	}
	defer d.Close()
	pending, err := d.PendingMigrations(ctx)
	if err != nil {
		return fmt.Errorf("check migrations of %s: %w", cfg.DB, err)
	}
	if pending > 0 {
		return fmt.Errorf("%s has %d pending migration(s): run b2b migrate first", cfg.DB, pending)
	}
	rows, err := d.Seed(ctx)
	if err != nil {
		return fmt.Errorf("seed %s: %w", cfg.DB, err)
	}
	fmt.Fprintf(stdout, "%s: seeded %d rows\n", cfg.DB, rows)
	return nil
}

// token prints a JWT signed with the secret the server checks.
func token(cfg Config, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("token")
	roleFlag := fs.String("role", "", "admin, staff or customer (required)")
	customerID := fs.Int("customer-id", 0, "the customer a customer token acts for (required with --role customer)")
	ttl := fs.Duration("ttl", 24*time.Hour, "lifetime of the token")
	subject := fs.String("subject", "", "who the token is for, shown in logs (default: the role)")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	r := services.Role(*roleFlag)
	switch r {
	case services.RoleAdmin, services.RoleStaff, services.RoleCustomer:
	default:
		return usageError{fmt.Errorf("--role must be admin, staff or customer, got %q", *roleFlag)}
	}
	if (r == services.RoleCustomer) != (*customerID != 0) || *customerID < 0 {
		return usageError{fmt.Errorf("--customer-id N (N > 0) goes with --role customer, and only with it")}
	}
	if *ttl <= 0 {
		return usageError{fmt.Errorf("--ttl must be positive, got %s", *ttl)}
	}
	cfg, generated, err := resolveSecrets(cfg)
	if err != nil {
		return err
	}
	if generated {
		fmt.Fprintf(stderr, "generated JWT_SECRET and SERVICE_TOKEN in %s\n", filepath.Join(cfg.DB.DataDir, secretsFile))
	}
	tk := &auth.Tokens{Secret: []byte(cfg.JWTSecret)}
	s, err := tk.Issue(services.Principal{Role: r, CustomerID: *customerID, Subject: *subject}, *ttl)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, s)
	return nil
}
