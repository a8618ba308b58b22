package app

import (
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/b2b-orders/platform/ent"
	"github.com/b2b-orders/platform/internal/config"
)

// The purge job empties a backlog larger than one batch and leaves live
// keys alone.
func TestPurgeKeysJob(t *testing.T) {
	a := fullApp(t, io.Discard, config.Config{})
	d := a.store
	ctx := t.Context()
	past, future := time.Now().UTC().Add(-time.Hour), time.Now().UTC().Add(time.Hour)
	var rows []*ent.IdempotencyKeyCreate
	for i := range 2*purgeBatch + 7 {
		rows = append(rows, d.Client.IdempotencyKey.Create().SetKeyValue(fmt.Sprint("old-", i)).
			SetTargetType("order").SetTargetID(1).SetStatus("completed").SetExpiresAt(past))
	}
	rows = append(rows, d.Client.IdempotencyKey.Create().SetKeyValue("live").
		SetTargetType("order").SetTargetID(1).SetStatus("completed").SetExpiresAt(future))
	for i := 0; i < len(rows); i += 200 {
		if err := d.Client.IdempotencyKey.CreateBulk(rows[i:min(i+200, len(rows))]...).Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.purgeKeys(ctx); err != nil {
		t.Fatal(err)
	}
	left, err := d.Client.IdempotencyKey.Query().All(ctx)
	if err != nil || len(left) != 1 || left[0].KeyValue != "live" {
		t.Fatalf("left = %v, %v", left, err)
	}
}
