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
	"github.com/b2b-orders/platform/internal/app"
	"github.com/b2b-orders/platform/internal/config"
	"github.com/b2b-orders/platform/services"
)

// serveOptions are serve's flags, resolved against the role table.
type serveOptions struct {
	roles     []app.Role
	ports     map[string]int
	host      string
	noMigrate bool
}

// parseServeFlags reads serve's flags. envPort is PORT (0 when unset): it
// sets the port of the one role that runs, and is an error with several,
// since it cannot say which role it means.
func parseServeFlags(args []string, envPort int, stderr io.Writer) (serveOptions, error) {
	table := app.Roles()
	names := app.RoleNames(table)
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
		if wanted[rl.Name] {
			opts.roles = append(opts.roles, rl)
			opts.ports[rl.Name] = rl.Port
		}
	}
	if envPort != 0 {
		if len(opts.roles) != 1 {
			return opts, fmt.Errorf("PORT applies only when one role runs, but %d run: unset it or use --port ROLE=PORT", len(opts.roles))
		}
		opts.ports[opts.roles[0].Name] = envPort
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
func serve(ctx context.Context, cfg config.Config, args []string, log *slog.Logger, stderr io.Writer) error {
	opts, err := parseServeFlags(args, cfg.Port, stderr)
	if err != nil {
		return err
	}
	cfg, generated, err := cfg.ResolveSecrets()
	if err != nil {
		return err
	}
	if generated {
		log.InfoContext(ctx, "generated JWT_SECRET and SERVICE_TOKEN", "file", filepath.Join(cfg.DB.DataDir, config.SecretsFile))
	}
	if len(cfg.JWTSecret) < 32 {
		log.WarnContext(ctx, "JWT_SECRET is shorter than 32 bytes; tokens signed with it can be brute-forced")
	}
	log.InfoContext(ctx, "starting", "version", versionString(), "roles", app.RoleNames(opts.roles), "config", cfg)

	store, err := db.Open(ctx, cfg.DB)
	if err != nil {
		return openError(err)
	}
	defer store.Close()
	prepared, err := store.Prepare(ctx, !opts.noMigrate)
	if err != nil {
		return err
	}
	switch {
	case opts.noMigrate && prepared.Pending > 0:
		log.WarnContext(ctx, "migrations are pending; run b2b migrate", "pending", prepared.Pending)
	case !opts.noMigrate:
		log.InfoContext(ctx, "migrated", "applied", prepared.Applied)
	}
	if prepared.Seeded > 0 {
		log.InfoContext(ctx, fmt.Sprintf("seeded %d rows", prepared.Seeded), "rows", prepared.Seeded)
	}

	lns, err := app.Listen(ctx, opts.host, opts.ports, opts.roles)
	if err != nil {
		return err
	}
	graphURL, err := app.GraphURL(cfg.GraphURL, lns)
	if err != nil {
		app.CloseAll(lns)
		return err
	}
	verifier, stopOIDC, err := app.NewOIDC(ctx, cfg.OIDC, log)
	if err != nil {
		app.CloseAll(lns)
		return err
	}
	defer stopOIDC()
	o := app.Options{Config: cfg, Store: store, Log: log, Roles: opts.roles, GraphURL: graphURL}
	if verifier != nil {
		o.OIDC = verifier
	}
	v, c := build()
	o.Build = app.Build{Version: v, Commit: c}
	a := app.New(o)
	if err := a.Serve(ctx, lns); err != nil {
		return err
	}
	log.InfoContext(ctx, "stopped")
	return nil
}

// openError explains a failed db.Open; the error itself names the target.
func openError(err error) error {
	if db.IsUnavailable(err) {
		return fmt.Errorf("%w (is the database running and reachable? see DB_HOST, DB_PORT)", err)
	}
	return err
}

// migrate applies the pending migrations and says which; on MySQL it
// creates the database first if the server does not have it.
func migrate(ctx context.Context, cfg config.Config, args []string, stdout, stderr io.Writer) error {
	if err := parseFlags(newFlagSet("migrate"), args, stderr); err != nil {
		return err
	}
	d, created, err := db.OpenCreating(ctx, cfg.DB)
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
func seed(ctx context.Context, cfg config.Config, args []string, stdout, stderr io.Writer) error {
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
func token(cfg config.Config, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("token")
	roleFlag := fs.String("role", "", "admin, staff or customer (required)")
	customerID := fs.Int("customer-id", 0, "the customer a customer token acts for (required with --role customer)")
	memberID := fs.Int("member-id", 0, "makes a customer token that member's: its role and locations apply (optional, with --role customer)")
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
	if *memberID < 0 || *memberID > 0 && r != services.RoleCustomer {
		return usageError{fmt.Errorf("--member-id N (N > 0) goes with --role customer only")}
	}
	if *ttl <= 0 {
		return usageError{fmt.Errorf("--ttl must be positive, got %s", *ttl)}
	}
	cfg, generated, err := cfg.ResolveSecrets()
	if err != nil {
		return err
	}
	if generated {
		fmt.Fprintf(stderr, "generated JWT_SECRET and SERVICE_TOKEN in %s\n", filepath.Join(cfg.DB.DataDir, config.SecretsFile))
	}
	tk := &auth.Tokens{Secret: []byte(cfg.JWTSecret)}
	s, err := tk.Issue(services.Principal{Role: r, CustomerID: *customerID, MemberID: *memberID, Subject: *subject}, *ttl)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, s)
	return nil
}
