// Package systest holds the system tests: each builds the real b2b binary
// (internal/servetest), starts it as an operator would — all roles in one
// process, the roles split as compose runs them, over the embedded store,
// MariaDB or a Galera cluster — and talks to it over HTTP, NATS and SQL
// only. They skip under -short; docs/testing.md lists their switches.
package systest
