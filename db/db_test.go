package db_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	atlasmigrate "ariga.io/atlas/sql/migrate"
	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"entgo.io/ent/dialect/sql/schema"

	"github.com/b2b-orders/platform/db"
	"github.com/b2b-orders/platform/db/dbtest"
	"github.com/b2b-orders/platform/ent"
	"github.com/b2b-orders/platform/ent/customer"
	entmigrate "github.com/b2b-orders/platform/ent/migrate"
	"github.com/b2b-orders/platform/ent/order"
	"github.com/b2b-orders/platform/ent/orderitem"
	"github.com/b2b-orders/platform/ent/product"
)

func TestMain(m *testing.M) {
	fmt.Printf("db tests run on %s\n", dbtest.Dialect())
	m.Run()
}

func seeded(t *testing.T) *db.DB {
	t.Helper()
	d := dbtest.Open(t)
	if _, err := d.Seed(t.Context()); err != nil {
		t.Fatalf("seed: %v", err)
	}
	return d
}

func TestMigrateAppliesOnceAndCountsPending(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	d := dbtest.OpenEmpty(t)

	pending, err := d.PendingMigrations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if pending == 0 {
		t.Fatal("a fresh database has no pending migrations")
	}
	applied, err := d.Migrate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) != pending || !strings.HasSuffix(applied[0], "_init.sql") {
		t.Errorf("applied %v, want %d files starting with the init migration", applied, pending)
	}
	if n, err := d.PendingMigrations(ctx); err != nil || n != 0 {
		t.Errorf("after Migrate: %d pending, %v", n, err)
	}
	again, err := d.Migrate(ctx)
	if err != nil || len(again) != 0 {
		t.Errorf("second Migrate applied %v, %v; want nothing", again, err)
	}
}

// Processes starting together all call Migrate; each file must run once.
func TestMigrateConcurrently(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	d := dbtest.OpenEmpty(t)
	const n = 4
	results := make([][]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { results[i], errs[i] = d.Migrate(ctx) })
	}
	wg.Wait()
	total := 0
	for i := range n {
		if errs[i] != nil {
			t.Errorf("Migrate %d: %v", i, errs[i])
		}
		total += len(results[i])
	}
	if pending, err := d.PendingMigrations(ctx); err != nil || pending != 0 || total == 0 {
		t.Errorf("files applied %d times in all, %d pending, %v", total, pending, err)
	}
	var rows int
	if err := d.SQL.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+db.MigrationsTable).Scan(&rows); err != nil || rows != total {
		t.Errorf("%d versions recorded (%v), %d applied", rows, err, total)
	}
}

// entDiffMu serialises entDiff: ent's differ writes into the shared
// migrate.Tables (symbols, column maps) on every run.
var entDiffMu sync.Mutex

// entDiff returns the statements ent would run to bring the database to the
// ent schema; drops count too, so removed fields are caught.
func entDiff(t *testing.T, d *db.DB) []string {
	t.Helper()
	entDiffMu.Lock()
	defer entDiffMu.Unlock()
	dir := &atlasmigrate.MemDir{}
	m, err := schema.NewMigrate(entsql.OpenDB(d.Dialect, d.SQL),
		schema.WithDir(dir),
		schema.WithFormatter(atlasmigrate.DefaultFormatter),
		schema.WithDropColumn(true),
		schema.WithDropIndex(true),
		schema.WithErrNoPlan(true),
	)
	if err != nil {
		t.Fatal(err)
	}
	err = m.NamedDiff(t.Context(), "drift", entmigrate.Tables...)
	if errors.Is(err, atlasmigrate.ErrNoPlan) {
		return nil
	}
	if err != nil {
		t.Fatalf("diff: %v", err)
	}
	files, err := dir.Files()
	if err != nil {
		t.Fatal(err)
	}
	var stmts []string
	for _, f := range files {
		s, err := f.Stmts()
		if err != nil {
			t.Fatal(err)
		}
		stmts = append(stmts, s...)
	}
	return stmts
}

// The committed migrations must build exactly the ent schema. When this
// fails, ent/schema changed without a new migration: run
// go run ./db/internal/migrategen -name <change>.
func TestMigrationsMatchEntSchema(t *testing.T) {
	t.Parallel()
	d := dbtest.Open(t)
	if stmts := entDiff(t, d); len(stmts) > 0 {
		t.Errorf("the migrations differ from the ent schema; ent would run:\n%s\nregenerate with: go run ./db/internal/migrategen -name <change>",
			strings.Join(stmts, "\n"))
	}
}

// The drift check must see a difference when there is one.
func TestDriftCheckSeesDifferences(t *testing.T) {
	t.Parallel()
	d := dbtest.Open(t)
	if _, err := d.SQL.ExecContext(t.Context(), "ALTER TABLE customers ADD COLUMN nickname varchar(20) NULL"); err != nil {
		t.Fatal(err)
	}
	if stmts := entDiff(t, d); len(stmts) == 0 {
		t.Error("an extra column went unnoticed")
	}
}

func TestSeedLoadsTheOriginalDataOnce(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	d := dbtest.Open(t)
	rows, err := d.Seed(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rows != 5+10+4+15+3+3+4 {
		t.Errorf("first seed inserted %d rows, want 44", rows)
	}
	rows, err = d.Seed(ctx)
	if err != nil || rows != 0 {
		t.Errorf("second seed: %d rows, %v; want 0, nil", rows, err)
	}
	c := d.Client

	at := func(s string) time.Time {
		v, err := time.Parse(time.DateTime, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}

	customers := c.Customer.Query().Order(customer.ByID()).AllX(ctx)
	wantCustomers := []struct{ name, email, phone, created string }{
		{"ACME Corporation", "ops@acme.com", "+1-555-0101", "2024-01-01 10:00:00"},
		{"TechStart Inc", "procurement@techstart.com", "+1-555-0102", "2024-01-01 11:00:00"},
		{"Global Industries", "buyers@globalind.com", "+1-555-0103", "2024-01-01 12:00:00"},
		{"Innovate Ltd", "orders@innovate.com", "+1-555-0104", "2024-01-01 13:00:00"},
		{"NextGen Solutions", "purchasing@nextgen.com", "+1-555-0105", "2024-01-01 14:00:00"},
	}
	if len(customers) != len(wantCustomers) {
		t.Fatalf("%d customers", len(customers))
	}
	for i, w := range wantCustomers {
		g := customers[i]
		if g.ID != i+1 || g.Name != w.name || g.Email != w.email || g.Phone == nil || *g.Phone != w.phone ||
			!g.CreatedAt.Equal(at(w.created)) || g.DeletedAt != nil {
			t.Errorf("customer %d = %+v, want %+v", i+1, g, w)
		}
		// The seed does not mention live; the column default must make them live.
		if g.Live == nil || !*g.Live {
			t.Errorf("customer %d: live = %v, want true", g.ID, g.Live)
		}
	}

	products := c.Product.Query().Order(product.ByID()).AllX(ctx)
	wantProducts := []struct {
		sku, name    string
		price, stock int64
	}{
		{"LAPTOP-001", "Professional Laptop", 129900, 50},
		{"MOUSE-001", "Wireless Mouse", 2599, 200},
		{"KEYBOARD-001", "Mechanical Keyboard", 8999, 75},
		{"MONITOR-001", "27-inch Monitor", 29999, 30},
		{"HEADSET-001", "Noise-Cancelling Headset", 15999, 100},
		{"WEBCAM-001", "HD Webcam", 7999, 60},
		{"DOCKING-001", "USB-C Docking Station", 19999, 40},
		{"BACKPACK-001", "Laptop Backpack", 5999, 150},
		{"MOUSEPAD-001", "Gaming Mousepad", 1999, 300},
		{"CABLE-001", "USB-C Cable", 999, 500},
	}
	if len(products) != len(wantProducts) {
		t.Fatalf("%d products", len(products))
	}
	for i, w := range wantProducts {
		g := products[i]
		if g.ID != i+1 || g.Sku != w.sku || g.Name != w.name || g.PriceCents != w.price || g.Stock != w.stock ||
			!g.CreatedAt.Equal(at("2024-01-01 09:00:00")) {
			t.Errorf("product %d = %+v, want %+v", i+1, g, w)
		}
	}

	orders := c.Order.Query().Order(order.ByID()).AllX(ctx)
	wantOrders := []struct {
		customer int
		status   order.Status
		total    int64
		created  string
	}{
		{1, order.StatusCONFIRMED, 389700, "2024-01-01 14:00:00"},
		{2, order.StatusCREATED, 159999, "2024-01-01 15:00:00"},
		{3, order.StatusCONFIRMED, 899700, "2024-01-01 15:30:00"},
		{1, order.StatusCANCELED, 259900, "2024-01-01 15:45:00"},
	}
	if len(orders) != len(wantOrders) {
		t.Fatalf("%d orders", len(orders))
	}
	for i, w := range wantOrders {
		g := orders[i]
		if g.ID != i+1 || g.CustomerID != w.customer || g.Status != w.status || g.TotalCents != w.total ||
			!g.CreatedAt.Equal(at(w.created)) || g.ConfirmedAt != nil || g.CanceledAt != nil {
			t.Errorf("order %d = %+v, want %+v", i+1, g, w)
		}
	}

	items := c.OrderItem.Query().Order(orderitem.ByID()).AllX(ctx)
	wantItems := [][5]int64{ // order, product, qty, unit price, subtotal
		{1, 2, 3, 2599, 7797}, {1, 3, 2, 8999, 17998}, {1, 4, 1, 29999, 29999}, {1, 5, 5, 15999, 79995},
		{1, 8, 2, 5999, 11998}, {1, 10, 10, 999, 9990}, {2, 1, 1, 129900, 129900},
		{2, 6, 2, 7999, 15999}, // verbatim: 2 × 7999 is 15998
		{2, 9, 3, 1999, 5997}, {3, 1, 5, 129900, 649500}, {3, 3, 3, 8999, 26997}, {3, 4, 2, 29999, 59998},
		{3, 7, 3, 19999, 59997}, {3, 10, 5, 999, 4995}, {4, 1, 2, 129900, 259800},
	}
	if len(items) != len(wantItems) {
		t.Fatalf("%d items", len(items))
	}
	for i, w := range wantItems {
		g := items[i]
		got := [5]int64{int64(g.OrderID), int64(g.ProductID), g.Qty, g.UnitPriceCents, g.SubtotalCents}
		if g.ID != i+1 || got != w {
			t.Errorf("item %d = %v, want %v", g.ID, got, w)
		}
	}

	keys := c.IdempotencyKey.Query().AllX(ctx)
	wantKeys := map[string]struct {
		target  int
		body    string
		created string
		expires string
	}{
		"order-confirm-001": {1, `{"success": true, "orderId": 1, "status": "CONFIRMED"}`, "2024-01-01 14:00:00", "2024-01-02 14:00:00"},
		"order-confirm-002": {3, `{"success": true, "orderId": 3, "status": "CONFIRMED"}`, "2024-01-01 15:30:00", "2024-01-02 15:30:00"},
		"order-cancel-001":  {4, `{"success": true, "orderId": 4, "status": "CANCELED"}`, "2024-01-01 15:45:00", "2024-01-02 15:45:00"},
	}
	if len(keys) != len(wantKeys) {
		t.Fatalf("%d keys", len(keys))
	}
	for _, g := range keys {
		w, ok := wantKeys[g.KeyValue]
		if !ok || g.Scope != "" || g.TargetType != "order" || g.TargetID != w.target || g.Status != "completed" ||
			g.ResponseBody == nil || *g.ResponseBody != w.body || g.Operation != nil || g.RequestHash != nil ||
			!g.CreatedAt.Equal(at(w.created)) || !g.ExpiresAt.Equal(at(w.expires)) {
			t.Errorf("key %+v, want %+v", g, w)
		}
	}
}

// Explicit ids in the seed must not collide with the next generated ones.
func TestIDsContinueAfterSeed(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	c := seeded(t).Client
	cu := c.Customer.Create().SetName("New").SetEmail("new@example.com").SaveX(ctx)
	p := c.Product.Create().SetSku("NEW-001").SetName("New").SetPriceCents(100).SetStock(1).SaveX(ctx)
	o := c.Order.Create().SetCustomerID(cu.ID).SetTotalCents(100).SaveX(ctx)
	it := c.OrderItem.Create().SetOrderID(o.ID).SetProductID(p.ID).SetQty(1).SetUnitPriceCents(100).SetSubtotalCents(100).SaveX(ctx)
	if cu.ID != 6 || p.ID != 11 || o.ID != 5 || it.ID != 16 {
		t.Errorf("ids customer %d, product %d, order %d, item %d; want 6, 11, 5, 16", cu.ID, p.ID, o.ID, it.ID)
	}
	if cu.Live == nil || !*cu.Live || o.Status != order.StatusCREATED {
		t.Errorf("defaults: live %v, status %s", cu.Live, o.Status)
	}
}

func TestTimesAreUTCAndRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	c := seeded(t).Client

	// Seed literals read back as UTC.
	acme := c.Customer.GetX(ctx, 1)
	if want := time.Date(2024, 1, 1, 10, 0, 0, 0, time.UTC); !acme.CreatedAt.Equal(want) || acme.CreatedAt.Location() != time.UTC {
		t.Errorf("seeded created_at = %v (%v), want %v in UTC", acme.CreatedAt, acme.CreatedAt.Location(), want)
	}
	// A seed row and a parameter holding the same instant compare equal,
	// which keyset pagination over (created_at, id) depends on.
	nine := time.Date(2024, 1, 1, 9, 0, 0, 0, time.UTC)
	if n := c.Product.Query().Where(product.CreatedAt(nine)).CountX(ctx); n != 10 {
		t.Errorf("%d products created at %v, want 10", n, nine)
	}
	if n := c.Order.Query().Where(order.CreatedAtGTE(time.Date(2024, 1, 1, 15, 0, 0, 0, time.UTC))).CountX(ctx); n != 3 {
		t.Errorf("%d orders at or after 15:00, want 3", n)
	}

	// Go times come back in UTC, to the millisecond (datetime(3) on MySQL).
	zone := time.FixedZone("UTC+2", 2*60*60)
	written := time.Date(2024, 1, 1, 12, 0, 0, 123456789, zone) // 10:00:00.123456789 UTC
	cu := c.Customer.Create().SetName("Zoned").SetEmail("zoned@example.com").SetCreatedAt(written).SaveX(ctx)
	got := c.Customer.GetX(ctx, cu.ID)
	want := written.UTC().Truncate(time.Millisecond)
	if !got.CreatedAt.Equal(want) || got.CreatedAt.Location() != time.UTC {
		t.Errorf("created_at read back as %v (%v), want %v in UTC", got.CreatedAt, got.CreatedAt.Location(), want)
	}
	if n := c.Customer.Query().Where(customer.CreatedAt(written)).CountX(ctx); n != 1 {
		t.Errorf("equality on the written time found %d rows, want 1", n)
	}

	// Order by time: fractions, whole seconds and seed rows interleave correctly.
	for i, ms := range []int{500, 250, 0} {
		c.Customer.Create().SetName("T").SetEmail(fmt.Sprintf("t%d@example.com", i)).
			SetCreatedAt(time.Date(2024, 1, 1, 10, 0, 0, ms*1e6, time.UTC)).ExecX(ctx)
	}
	ordered := c.Customer.Query().
		Where(customer.CreatedAtGTE(time.Date(2024, 1, 1, 10, 0, 0, 0, time.UTC)), customer.CreatedAtLT(time.Date(2024, 1, 1, 11, 0, 0, 0, time.UTC))).
		Order(customer.ByCreatedAt(), customer.ByID()).AllX(ctx)
	var seq []string
	for _, o := range ordered {
		seq = append(seq, o.CreatedAt.Format("15:04:05.000")+"#"+fmt.Sprint(o.ID))
	}
	wantSeq := "10:00:00.000#1 10:00:00.000#9 10:00:00.123#6 10:00:00.250#8 10:00:00.500#7"
	if strings.Join(seq, " ") != wantSeq {
		t.Errorf("order by created_at: %s, want %s", strings.Join(seq, " "), wantSeq)
	}
}

func TestWithTxCommits(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	d := dbtest.Open(t)
	err := d.WithTx(ctx, func(tx *ent.Tx) error {
		return tx.Customer.Create().SetName("A").SetEmail("a@example.com").Exec(ctx)
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := d.Client.Customer.Query().CountX(ctx); n != 1 {
		t.Errorf("%d customers after commit", n)
	}
}

func TestWithTxRollsBackOnError(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	d := dbtest.Open(t)
	boom := errors.New("boom")
	calls := 0
	err := d.WithTx(ctx, func(tx *ent.Tx) error {
		calls++
		if err := tx.Customer.Create().SetName("A").SetEmail("a@example.com").Exec(ctx); err != nil {
			return err
		}
		return boom
	})
	if err != boom {
		t.Errorf("err = %v, want fn's error unchanged", err)
	}
	if calls != 1 {
		t.Errorf("fn ran %d times; only deadlocks are retried", calls)
	}
	if n := d.Client.Customer.Query().CountX(ctx); n != 0 {
		t.Errorf("%d customers after rollback", n)
	}
}

func TestWithTxRollsBackAndRepanics(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	d := dbtest.Open(t)
	func() {
		defer func() {
			if p := recover(); p != "kaboom" {
				t.Errorf("recovered %v, want the original panic", p)
			}
		}()
		_ = d.WithTx(ctx, func(tx *ent.Tx) error {
			tx.Customer.Create().SetName("A").SetEmail("a@example.com").ExecX(ctx)
			panic("kaboom")
		})
	}()
	if n := d.Client.Customer.Query().CountX(ctx); n != 0 {
		t.Errorf("%d customers after the panic", n)
	}
	// The connection went back: on SQLite a leaked write transaction would
	// hold the lock and this would wait for the busy timeout, then fail.
	if err := d.WithTx(ctx, func(tx *ent.Tx) error {
		return tx.Customer.Create().SetName("B").SetEmail("b@example.com").Exec(ctx)
	}); err != nil {
		t.Error(err)
	}
}

func TestWithTxReturnsCommitError(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	d := dbtest.Open(t)
	// fn ending the transaction itself makes the commit fail on any store.
	err := d.WithTx(ctx, func(tx *ent.Tx) error { return tx.Rollback() })
	if err == nil || !strings.Contains(err.Error(), "db: commit") {
		t.Errorf("err = %v, want the commit error", err)
	}
}

func TestWithTxReturnsDeferredConstraintErrorAtCommit(t *testing.T) {
	if dbtest.Dialect() != dialect.SQLite {
		t.Skip("MySQL checks foreign keys per statement")
	}
	t.Parallel()
	ctx := t.Context()
	d := dbtest.Open(t)
	err := d.WithTx(ctx, func(tx *ent.Tx) error {
		if _, err := tx.ExecContext(ctx, "PRAGMA defer_foreign_keys = ON"); err != nil {
			return err
		}
		return tx.Order.Create().SetCustomerID(999).SetTotalCents(1).Exec(ctx)
	})
	if err == nil || !strings.Contains(err.Error(), "db: commit") || !db.IsForeignKeyViolation(err) {
		t.Errorf("err = %v, want the commit's foreign key violation", err)
	}
	if n := d.Client.Order.Query().CountX(ctx); n != 0 {
		t.Errorf("%d orders after the failed commit", n)
	}
}

// Two transactions lock two rows in opposite order; InnoDB kills one, and
// WithTx runs it again after the other commits.
func TestWithTxRetriesDeadlock(t *testing.T) {
	if dbtest.Dialect() != dialect.MySQL {
		t.Skip("SQLite transactions queue at BEGIN and cannot deadlock")
	}
	t.Parallel()
	ctx := t.Context()
	d := seeded(t)
	var (
		mu       sync.Mutex
		attempts int
		bothHold sync.WaitGroup
	)
	bothHold.Add(2)
	transfer := func(first, second int) error {
		var once sync.Once
		return d.WithTx(ctx, func(tx *ent.Tx) error {
			mu.Lock()
			attempts++
			mu.Unlock()
			if err := tx.Product.UpdateOneID(first).AddStock(-1).Exec(ctx); err != nil {
				return err
			}
			// Only the first attempt waits, so the retry runs freely.
			once.Do(func() { bothHold.Done(); bothHold.Wait() })
			return tx.Product.UpdateOneID(second).AddStock(-1).Exec(ctx)
		})
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	wg.Go(func() { errs[0] = transfer(1, 2) })
	wg.Go(func() { errs[1] = transfer(2, 1) })
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Errorf("WithTx: %v", err)
		}
	}
	if attempts != 3 {
		t.Errorf("%d attempts, want 3 (one transaction retried once)", attempts)
	}
	p1, p2 := d.Client.Product.GetX(ctx, 1), d.Client.Product.GetX(ctx, 2)
	if p1.Stock != 48 || p2.Stock != 198 {
		t.Errorf("stock %d and %d, want 48 and 198: each transaction applied exactly once", p1.Stock, p2.Stock)
	}
}

func TestWithTxRetryLimit(t *testing.T) {
	if dbtest.Dialect() != dialect.MySQL {
		t.Skip("only MySQL transactions are retried")
	}
	t.Parallel()
	ctx := t.Context()
	d := dbtest.Open(t)
	calls := 0
	deadlock := &mysqlDeadlockError
	err := d.WithTx(ctx, func(tx *ent.Tx) error {
		calls++
		return fmt.Errorf("wrapped: %w", deadlock)
	})
	if calls != db.MaxTxAttempts || !errors.Is(err, deadlock) {
		t.Errorf("fn ran %d times, err %v; want %d runs and the deadlock", calls, err, db.MaxTxAttempts)
	}
}

// Without BEGIN IMMEDIATE, two read-then-write transactions on SQLite fail
// with SQLITE_BUSY when the second upgrades its lock; with it, they queue.
func TestSQLiteWritersQueue(t *testing.T) {
	if dbtest.Dialect() != dialect.SQLite {
		t.Skip("SQLite locking")
	}
	t.Parallel()
	ctx := t.Context()
	d := seeded(t)
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			errs[i] = d.WithTx(ctx, func(tx *ent.Tx) error {
				p, err := tx.Product.Get(ctx, 1)
				if err != nil {
					return err
				}
				return tx.Product.UpdateOneID(1).SetStock(p.Stock - 1).Exec(ctx)
			})
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Errorf("WithTx: %v", err)
		}
	}
	if p := d.Client.Product.GetX(ctx, 1); p.Stock != 50-n {
		t.Errorf("stock %d, want %d: an update was lost", p.Stock, 50-n)
	}
}
