package orders

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/b2b-orders/platform/ent/order"
	"github.com/b2b-orders/platform/ent/orderitem"
	"github.com/b2b-orders/platform/ent/product"
)

// The two statements written as SQL rather than through ent name ent's
// tables and columns: a schema rename that compiles must fail here.
func TestRawSQLMatchesTheSchema(t *testing.T) {
	tables := map[string]struct {
		name    string
		columns []string
	}{
		"o": {order.Table, order.Columns},
		"i": {orderitem.Table, orderitem.Columns},
		"p": {product.Table, product.Columns},
	}
	for alias, tbl := range tables {
		if !regexp.MustCompile(`\b` + tbl.name + ` ` + alias + `\b`).MatchString(orderWithItems) {
			t.Errorf("orderWithItems does not read table %s as %s", tbl.name, alias)
		}
	}
	refs := regexp.MustCompile(`\b([a-z])\.([a-z_]+)\b`).FindAllStringSubmatch(orderWithItems, -1)
	if len(refs) < 15 {
		t.Fatalf("found %d column references in orderWithItems", len(refs))
	}
	for _, m := range refs {
		tbl, ok := tables[m[1]]
		if !ok || !slices.Contains(tbl.columns, m[2]) {
			t.Errorf("orderWithItems reads %s.%s, which is no column of the schema", m[1], m[2])
		}
	}
	if !strings.Contains(firstOrdersOfCustomers, "FROM "+order.Table+" WHERE") {
		t.Errorf("firstOrdersOfCustomers does not read table %s", order.Table)
	}
	for _, col := range []string{order.FieldID, order.FieldCustomerID} {
		if !regexp.MustCompile(`\b` + col + `\b`).MatchString(firstOrdersOfCustomers) {
			t.Errorf("firstOrdersOfCustomers lacks column %s", col)
		}
	}
	for _, word := range regexp.MustCompile(`\b[a-z_]+\b`).FindAllString(strings.ReplaceAll(firstOrdersOfCustomers, "%s", ""), -1) {
		switch word {
		case "n", "ranked", order.Table:
		default:
			if !slices.Contains(order.Columns, word) {
				t.Errorf("firstOrdersOfCustomers names %s, which is no column of %s", word, order.Table)
			}
		}
	}
}
