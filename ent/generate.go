// Package ent holds the generated data access code; only ent/schema is
// written by hand.
package ent

//go:generate go tool ent generate --feature sql/execquery,sql/upsert,sql/lock,sql/modifier,sql/versioned-migration ./schema
