// Command b2b runs the B2B order platform: the REST routes of the original
// system, the GraphQL graph and the Lambda orchestrator's local form, over
// MySQL or an embedded store.
//
//	b2b [serve]   run the roles (all by default) until SIGINT/SIGTERM
//	b2b migrate   apply pending migrations
//	b2b seed      load the original's seed data (idempotent)
//	b2b token     print a signed JWT for a role
//	b2b version   print the version and commit
//
// The configuration comes from the environment, read once here
// (internal/config); internal/app assembles and serves the runtime.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	// The customers' time zones (their spending periods) load from the
	// binary: the distroless image has no zone database.
	_ "time/tzdata"

	"github.com/b2b-orders/platform/internal/config"
)

// version and commit are set at link time:
//
//	go build -ldflags "-X main.version=v1.2.3 -X main.commit=$(git rev-parse HEAD)"
//
// They are the package's only variables, because -X can set nothing else.
// Empty means: ask the module build info.
var (
	version string
	commit  string
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// After the first signal, restore the default handling: a second
		// Ctrl-C kills a shutdown that takes too long.
		<-ctx.Done()
		stop()
	}()
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

const usageText = `usage: b2b [command] [flags]

commands:
  serve    run the roles until SIGINT/SIGTERM (the default)
             --roles customers,orders,orchestrator,graph   roles to run (default all)
             --host HOST        listen host (default all interfaces)
             --port ROLE=PORT   listen port of one role, repeatable (0 picks a free port)
             --no-migrate       do not apply migrations at start-up
  migrate  apply pending migrations to the configured database
  seed     load the original's seed data (safe to repeat)
  token    print a JWT: --role admin|staff|customer [--customer-id N] [--ttl 24h] [--subject NAME]
  version  print the version and commit
  healthcheck  exit 0 if GET http://HOST:PORT/PATH answers 200, else 1 (for HEALTHCHECK; reads no config)
             [--port 3001] [--host 127.0.0.1] [--path /health] [--timeout 3s]

Configuration comes from the environment; see docs/operations.md.
`

// usageError marks a bad command line, which exits with 2 rather than 1.
type usageError struct{ error }

// run is main without the process: it returns the exit code. getenv is
// read only by config.Load.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "version":
		fmt.Fprintln(stdout, versionString())
		return 0
	case "help":
		fmt.Fprint(stdout, usageText)
		return 0
	case "healthcheck":
		return healthcheck(ctx, args, stdout, stderr)
	case "serve", "migrate", "seed", "token":
	default:
		fmt.Fprintf(stderr, "b2b: unknown command %q\n\n%s", cmd, usageText)
		return 2
	}

	cfg, err := config.Load(getenv)
	if err != nil {
		fmt.Fprintf(stderr, "b2b %s: %v\n", cmd, err)
		return 1
	}
	log := newLogger(cfg, stderr)

	switch cmd {
	case "serve":
		// Libraries that report through the standard log package (the
		// net/http server, a WebSocket library) write through the
		// process's handler too, so that every line is in its format.
		slog.SetDefault(log)
		err = serve(ctx, cfg, args, log, stderr)
	case "migrate":
		err = migrate(ctx, cfg, args, stdout, stderr)
	case "seed":
		err = seed(ctx, cfg, args, stdout, stderr)
	case "token":
		err = token(cfg, args, stdout, stderr)
	}
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "b2b %s: %v\n", cmd, err)
		return 2
	default:
		fmt.Fprintf(stderr, "b2b %s: %v\n", cmd, err)
		return 1
	}
}

// newFlagSet returns a flag set that returns its errors instead of
// exiting, so that run decides the exit code; parseFlags reports them.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("b2b "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// parseFlags parses args, refusing positional arguments (no command takes
// any). On a bad command line it prints the flags to stderr and returns a
// usageError; on -h it prints them and returns flag.ErrHelp.
func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer) error {
	err := fs.Parse(args)
	if err == nil && fs.NArg() > 0 {
		err = fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if err == nil {
		return nil
	}
	if !errors.Is(err, flag.ErrHelp) {
		err = usageError{err}
	}
	fmt.Fprintf(stderr, "usage of %s:\n", fs.Name())
	fs.SetOutput(stderr)
	fs.PrintDefaults()
	return err
}

// versionString is "b2b VERSION (commit COMMIT)".
func versionString() string {
	v, c := build()
	return fmt.Sprintf("b2b %s (commit %s)", v, c)
}

// build returns the version and commit, from the link-time values or else
// the module build info ("dev" and "unknown" when neither says).
func build() (v, c string) {
	v, c = version, commit
	if info, ok := debug.ReadBuildInfo(); ok {
		if v == "" && info.Main.Version != "" && info.Main.Version != "(devel)" {
			v = info.Main.Version
		}
		for _, s := range info.Settings {
			if c == "" && s.Key == "vcs.revision" {
				c = s.Value
			}
		}
	}
	if v == "" {
		v = "dev"
	}
	if c == "" {
		c = "unknown"
	}
	return v, c
}

// newLogger writes cfg's format at cfg's level to w (stderr, where a
// container runtime collects it).
func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}
