package db

import (
	"context"
	"fmt"

	"entgo.io/ent/dialect"
)

// Prepared is what Prepare did.
type Prepared struct {
	// Applied lists the migrations applied now; Pending counts those left
	// (only without Migrate).
	Applied []string
	Pending int
	// Seeded counts the seed rows written into an empty embedded store.
	Seeded int64
}

// Prepare brings the store up to date at start-up: with migrate, it
// applies the pending migrations and, on the embedded store only, fills an
// empty store with the seed data so that a fresh checkout has something to
// show (a MySQL database is never seeded implicitly: that is `b2b seed`);
// without migrate it only counts the pending migrations.
// Errors: those of Migrate, PendingMigrations and Seed, wrapped with the
// step that failed.
func (d *DB) Prepare(ctx context.Context, migrate bool) (Prepared, error) {
	var p Prepared
	if !migrate {
		n, err := d.PendingMigrations(ctx)
		if err != nil {
			return p, fmt.Errorf("check migrations: %w", err)
		}
		p.Pending = n
		return p, nil
	}
	applied, err := d.Migrate(ctx)
	if err != nil {
		return p, fmt.Errorf("migrate: %w", err)
	}
	p.Applied = applied
	if d.Dialect == dialect.MySQL {
		return p, nil
	}
	empty, err := d.isEmpty(ctx)
	if err != nil {
		return p, fmt.Errorf("inspect store: %w", err)
	}
	if !empty {
		return p, nil
	}
	if p.Seeded, err = d.Seed(ctx); err != nil {
		return p, fmt.Errorf("seed: %w", err)
	}
	return p, nil
}

// isEmpty reports whether the store holds no customers, products or
// orders: a new store, or one nobody has used.
func (d *DB) isEmpty(ctx context.Context) (bool, error) {
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
