package rest_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/b2b-orders/platform/db"
	"github.com/b2b-orders/platform/internal/web"
)

// snapshot is what hostile requests must leave as it was: the rows of
// every table, and every product's stock and price and every order's
// status and total.
func snapshot(t testing.TB, d *db.DB) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{
		"SELECT COUNT(*) FROM customers",
		"SELECT COUNT(*) FROM products",
		"SELECT COUNT(*) FROM orders",
		"SELECT COUNT(*) FROM order_items",
		"SELECT COUNT(*) FROM idempotency_keys",
		"SELECT COUNT(*) FROM price_lists",
		"SELECT COUNT(*) FROM price_entries",
		"SELECT id, min_qty, max_qty, qty_increment FROM products ORDER BY id",
		"SELECT id, sku, name, price_cents, stock FROM products ORDER BY id",
		"SELECT id, customer_id, status, total_cents FROM orders ORDER BY id",
		"SELECT id, name, email, deleted_at IS NULL FROM customers ORDER BY id",
	} {
		rows, err := d.SQL.QueryContext(t.Context(), q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				if bs, ok := v.([]byte); ok {
					v = string(bs)
				}
				fmt.Fprintf(&b, "%v|", v)
			}
			b.WriteString("\n")
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}

// hostileCase is a request that must be refused with status and, when
// set, the exact message.
type hostileCase struct {
	name   string
	req    request
	status int
	msg    string
}

func itemsJSON(n int, item func(i int) string) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = item(i)
	}
	return `{"customer_id":1,"items":[` + strings.Join(parts, ",") + `]}`
}

func hostileCases() []hostileCase {
	over := strings.Repeat(" ", rest1MiB+1)
	huge := `{"name":"` + strings.Repeat("x", rest1MiB) + `","email":"big@example.com"}`
	nested := strings.Repeat("[", 200_000) + strings.Repeat("]", 200_000)
	nestedObj := strings.Repeat(`{"a":`, 50_000) + "1" + strings.Repeat("}", 50_000)
	cases := []hostileCase{
		// Huge bodies: 413 on every route that reads one, whatever it holds.
		{"huge customer", post(custURL, huge), 413, "Request entity too large"},
		{"huge whitespace customer", post(custURL, over), 413, "Request entity too large"},
		{"huge customer update", put(custURL+"/1", huge), 413, "Request entity too large"},
		{"huge product", post(products, over+`{}`), 413, "Request entity too large"},
		{"huge product update", patch(products+"/1", over), 413, "Request entity too large"},
		{"huge order", post(ordersURL, itemsJSON(60_000, func(int) string { return `{"product_id":1,"qty":1}` })), 413, "Request entity too large"},
		{"huge confirm", post(ordersURL+"/2/confirm", `{"idempotency_key":"`+strings.Repeat("k", rest1MiB)+`"}`), 413, "Request entity too large"},
		{"huge cancel", post(ordersURL+"/2/cancel", over), 413, "Request entity too large"},

		// Deeply nested JSON.
		{"nested arrays as customer", post(custURL, nested), 400, "Invalid JSON"},
		{"nested objects as customer", post(custURL, nestedObj), 400, "Invalid JSON"},
		{"nested arrays in a name", post(custURL, `{"name":`+nested+`,"email":"n@example.com"}`), 400, "Invalid JSON"},
		{"nested items", post(ordersURL, `{"customer_id":1,"items":`+nested+`}`), 400, "Invalid JSON"},
		{"nested product", post(products, `{"sku":"N","name":"N","price_cents":`+nestedObj+`}`), 400, "Invalid JSON"},
		{"nested, within the decoder's depth", post(products, `{"sku":"N","name":"N","price_cents":`+strings.Repeat("[", 5000)+strings.Repeat("]", 5000)+`}`), 400, "Expected number, received array"},

		// 10,000-item orders.
		{"10,000 different products", post(ordersURL, itemsJSON(10_000, func(i int) string { return fmt.Sprintf(`{"product_id":%d,"qty":1}`, i+1) })), 400, "An order can hold at most 100 different products"},
		{"10,000 lines of one product", post(ordersURL, itemsJSON(10_000, func(int) string { return `{"product_id":2,"qty":1}` })), 400, "Insufficient stock for product Wireless Mouse. Available: 200, Requested: 10000"},
		{"10,000 lines summing over the maximum", post(ordersURL, itemsJSON(10_000, func(int) string { return `{"product_id":2,"qty":1000}` })), 400, "Quantity must be at most 1000000"},
		{"10,000 lines, the last one bad", post(ordersURL, itemsJSON(10_000, func(i int) string {
			if i == 9_999 {
				return `{"product_id":2,"qty":"1"}`
			}
			return `{"product_id":2,"qty":1}`
		})), 400, "Expected number, received string"},

		// Control characters in names.
		{"NUL in a customer name", post(custURL, `{"name":"a\u0000b","email":"nul@example.com"}`), 400, "Invalid characters in name"},
		{"NUL in a phone", post(custURL, `{"name":"a","email":"nul@example.com","phone":"\u0000"}`), 400, "Invalid characters in phone"},
		{"NUL in a product name", post(products, `{"sku":"NUL-1","name":"\u0000","price_cents":1}`), 400, "Invalid characters in name"},
		{"NUL in a sku", post(products, `{"sku":"NUL\u0000","name":"n","price_cents":1}`), 400, "Invalid characters in sku"},
		{"NUL in an update", put(custURL+"/1", `{"name":"\u0000"}`), 400, "Invalid characters in name"},
		{"NUL in an email", post(custURL, `{"name":"a","email":"a\u0000@example.com"}`), 400, "Invalid email format"},
		{"RTL override in an email", post(custURL, `{"name":"a","email":"moc.elpmaxe\u202e@evil.com"}`), 400, "Invalid email format"},
		{"a 256-character name of emoji", post(custURL, `{"name":"`+strings.Repeat("😀", 256)+`","email":"e@example.com"}`), 400, "Name must be less than 255 characters"},

		// Integer overflow in qty and price.
		{"qty 2^31", post(ordersURL, `{"customer_id":1,"items":[{"product_id":2,"qty":2147483648}]}`), 400, "Quantity must be at most 1000000"},
		{"qty 2^53", post(ordersURL, `{"customer_id":1,"items":[{"product_id":2,"qty":9007199254740993}]}`), 400, "Quantity must be at most 1000000"},
		{"qty 2^63", post(ordersURL, `{"customer_id":1,"items":[{"product_id":2,"qty":9223372036854775808}]}`), 400, "Quantity must be at most 1000000"},
		{"qty 1e309", post(ordersURL, `{"customer_id":1,"items":[{"product_id":2,"qty":1e309}]}`), 400, "Expected integer, received float"},
		{"qty -0", post(ordersURL, `{"customer_id":1,"items":[{"product_id":2,"qty":-0}]}`), 400, "Quantity must be at least 1"},
		{"qty -2^63", post(ordersURL, `{"customer_id":1,"items":[{"product_id":2,"qty":-9223372036854775809}]}`), 400, "Quantity must be at least 1"},
		{"qty 1.5", post(ordersURL, `{"customer_id":1,"items":[{"product_id":2,"qty":1.5}]}`), 400, "Expected integer, received float"},
		{"two lines of max int64", post(ordersURL, `{"customer_id":1,"items":[{"product_id":2,"qty":9223372036854775807},{"product_id":2,"qty":9223372036854775807}]}`), 400, "Quantity must be at most 1000000"},
		{"price 2^31", post(products, `{"sku":"P-1","name":"n","price_cents":2147483648}`), 400, "Price must be at most 2147483647"},
		{"price 2^53", post(products, `{"sku":"P-1","name":"n","price_cents":9007199254740993}`), 400, "Price must be at most 2147483647"},
		{"price 1e309", post(products, `{"sku":"P-1","name":"n","price_cents":1e309}`), 400, "Expected integer, received float"},
		{"price -1e309", post(products, `{"sku":"P-1","name":"n","price_cents":-1e309}`), 400, "Expected integer, received float"},
		{"price -2^63-1", post(products, `{"sku":"P-1","name":"n","price_cents":-9223372036854775809}`), 400, "Price must be non-negative"},
		{"stock 2^31", patch(products+"/1", `{"stock":2147483648}`), 400, "Stock must be at most 2147483647"},
		{"stock 1e20", patch(products+"/1", `{"stock":1e20}`), 400, "Stock must be at most 2147483647"},
		{"price update 2^53", patch(products+"/1", `{"price_cents":9007199254740992}`), 400, "Price must be at most 2147483647"},

		// Negative, zero and oversized ids in bodies.
		{"customer_id 0", post(ordersURL, `{"customer_id":0,"items":[{"product_id":2,"qty":1}]}`), 400, "Invalid customer ID"},
		{"customer_id -1", post(ordersURL, `{"customer_id":-1,"items":[{"product_id":2,"qty":1}]}`), 400, "Invalid customer ID"},
		{"customer_id 2^63", post(ordersURL, `{"customer_id":9223372036854775808,"items":[{"product_id":2,"qty":1}]}`), 404, "Customer not found or inactive"},
		{"product_id 0", post(ordersURL, `{"customer_id":1,"items":[{"product_id":0,"qty":1}]}`), 400, "Invalid product ID"},
		{"product_id -7", post(ordersURL, `{"customer_id":1,"items":[{"product_id":-7,"qty":1}]}`), 400, "Invalid product ID"},
		{"product_id 2^63", post(ordersURL, `{"customer_id":1,"items":[{"product_id":9223372036854775808,"qty":1}]}`), 404, "Products not found: 9223372036854775807"},

		// Duplicate keys: the last one wins, as in JSON.parse.
		{"duplicate name, last a number", post(custURL, `{"name":"A","name":1,"email":"dup@example.com"}`), 400, "Expected string, received number"},
		{"duplicate qty, last zero", post(ordersURL, `{"customer_id":1,"items":[{"product_id":2,"qty":1,"qty":0}]}`), 400, "Quantity must be at least 1"},
		{"duplicate items, last empty", post(ordersURL, `{"customer_id":1,"items":[{"product_id":2,"qty":1}],"items":[]}`), 400, "At least one item is required"},
		{"duplicate key, last empty", post(ordersURL+"/2/confirm", `{"idempotency_key":"k","idempotency_key":""}`), 400, "Idempotency key is required"},

		// Wrong content types and shapes of body.
		// Bodies that are not JSON are no body at all, as the original's
		// parser had it: nothing is created, by a form from another
		// origin either.
		{"a form body", post(custURL, `name=A&email=a%40example.com`).with("Content-Type", "application/x-www-form-urlencoded"), 415, web.MsgNotJSON},
		{"multipart", post(products, "--x\r\nContent-Disposition: form-data; name=\"sku\"\r\n\r\nS\r\n--x--").with("Content-Type", "multipart/form-data; boundary=x"), 415, web.MsgNotJSON},
		{"XML", post(ordersURL, `<order customer_id="1"/>`).with("Content-Type", "application/xml"), 415, web.MsgNotJSON},
		{"JSON sent as text/plain", post(ordersURL, `{"customer_id":1,"items":[{"product_id":1,"qty":1}]}`).with("Content-Type", "text/plain"), 415, web.MsgNotJSON},
		{"JSON with no content type", post(custURL, `{"name":"A","email":"a@example.com"}`).with("Content-Type", ""), 415, web.MsgNotJSON},
		{"a JSON array", post(custURL, `[{"name":"A","email":"a@example.com"}]`), 400, "Expected object, received array"},
		{"a JSON string", post(ordersURL, `"{\"customer_id\":1}"`), 400, "Invalid JSON"},
		{"UTF-16", post(custURL, "\xff\xfe{\x00}\x00"), 400, "Invalid JSON"},
		{"two objects", post(custURL, newCust+newCust), 400, "Invalid JSON"},
	}

	// SQL metacharacters in every string field that is refused anyway
	// (the accepted ones are in TestHostileButValid), in ids and in paths.
	for _, meta := range sqlMeta {
		j := jsonString(meta)
		cases = append(cases,
			hostileCase{"email " + meta, post(custURL, `{"name":"n","email":`+j+`}`), 400, "Invalid email format"},
			hostileCase{"email update " + meta, put(custURL+"/1", `{"email":`+j+`}`), 400, "Invalid email format"},
			hostileCase{"customer_id " + meta, post(ordersURL, `{"customer_id":`+j+`,"items":[{"product_id":1,"qty":1}]}`), 400, "Expected number, received string"},
			hostileCase{"price " + meta, post(products, `{"sku":"S","name":"n","price_cents":`+j+`}`), 400, "Expected number, received string"},
			hostileCase{"customer path " + meta, get(custURL + "/" + url.PathEscape(meta)), 400, "Invalid customer ID"},
			hostileCase{"product path " + meta, patch(products+"/"+url.PathEscape(meta), `{"stock":0}`), 400, "Invalid product ID"},
			hostileCase{"order path " + meta, post(ordersURL+"/"+url.PathEscape(meta)+"/cancel", ``), 400, "Invalid order ID"},
			hostileCase{"internal path " + meta, get(internal+"/"+url.PathEscape(meta)).with("Authorization", serviceAu), 400, "Invalid customer ID"},
			hostileCase{"order status " + meta, get(ordersURL + "?status=" + url.QueryEscape(meta)), 400, "Invalid query parameters"},
			hostileCase{"order from " + meta, get(ordersURL + "?from=" + url.QueryEscape(meta)), 400, "Invalid query parameters"},
			hostileCase{"confirm with key " + meta + " on a canceled order", post(ordersURL+"/4/confirm", `{"idempotency_key":`+j+`}`), 400, "Order cannot be confirmed. Current status: CANCELED"},
			hostileCase{"price list currency " + meta, post(priceListsURL, strings.Replace(acmeContract, `"USD"`, j, 1)), 400, "currency must be USD, the store's currency"},
			hostileCase{"price list status " + meta, post(priceListsURL, strings.Replace(acmeContract, `"currency"`, `"status":`+j+`,"currency"`, 1)), 400,
				"status must be DRAFT, ACTIVE or ARCHIVED"},
			hostileCase{"prices of products " + meta, get(pricesURL + "?customer_id=1&product_ids=1," + url.QueryEscape(meta)), 400, "Invalid product ID"},
		)
	}

	// Negative, zero and malformed path ids on every route that takes one.
	for _, id := range []string{"0", "-1", "-0", "+1", "1.0", "1e3", "0x1", "%20", "9223372036854775808", "١"} {
		p := url.PathEscape(id)
		cases = append(cases,
			hostileCase{"get customer " + id, get(custURL + "/" + p), 400, "Invalid customer ID"},
			hostileCase{"put customer " + id, put(custURL+"/"+p, `{"name":"X"}`), 400, "Invalid customer ID"},
			hostileCase{"delete customer " + id, del(custURL + "/" + p), 400, "Invalid customer ID"},
			hostileCase{"internal customer " + id, get(internal+"/"+p).with("Authorization", serviceAu), 400, "Invalid customer ID"},
			hostileCase{"get product " + id, get(products + "/" + p), 400, "Invalid product ID"},
			hostileCase{"patch product " + id, patch(products+"/"+p, `{"stock":0}`), 400, "Invalid product ID"},
			hostileCase{"get order " + id, get(ordersURL + "/" + p), 400, "Invalid order ID"},
			hostileCase{"confirm order " + id, post(ordersURL+"/"+p+"/confirm", confirmK1), 400, "Invalid order ID"},
			hostileCase{"cancel order " + id, post(ordersURL+"/"+p+"/cancel", ``), 400, "Invalid order ID"},
			hostileCase{"get price list " + id, get(priceListsURL + "/" + p), 400, "Invalid price list ID"},
			hostileCase{"replace price list " + id, put(priceListsURL+"/"+p, acmeContract), 400, "Invalid price list ID"},
			hostileCase{"delete price list " + id, del(priceListsURL + "/" + p), 400, "Invalid price list ID"},
			hostileCase{"prices of customer " + id, get(pricesURL + "?product_ids=1&customer_id=" + url.QueryEscape(id)), 400, "Invalid customer ID"},
			hostileCase{"prices of product " + id, get(pricesURL + "?customer_id=1&product_ids=" + url.QueryEscape(id)), 400, "Invalid product ID"},
		)
	}
	return cases
}

const rest1MiB = 1 << 20

// sqlMeta are strings that break queries built by concatenation.
var sqlMeta = []string{`' OR 1=1 --`, `%`, `_`, `\`, `"; DROP TABLE orders; --`, `1; DELETE FROM products`, `') OR ('a'='a`, `\' OR 1=1 #`}

func jsonString(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// Every hostile request is refused with a clear 4xx and the contract's
// envelope, and the data is exactly as it was before any of them.
func TestHostileInputRefused(t *testing.T) {
	t.Parallel()
	e := newFuzzEnv(t)
	before := snapshot(t, e.db)
	for _, tc := range hostileCases() {
		r := e.do(t, tc.req)
		if r.status != tc.status {
			t.Errorf("%s: %d %.300s, want %d", tc.name, r.status, r.body, tc.status)
			continue
		}
		checkEnvelope(t, r)
		if got := errorMessage(t, r.body); tc.msg != "" && got != tc.msg {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.msg)
		}
	}
	if l := e.logs.String(); l != "" {
		t.Errorf("hostile requests were logged as errors:\n%s", l)
	}
	if after := snapshot(t, e.db); after != before {
		t.Fatalf("data changed:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// Input that looks hostile but is valid is stored and answered exactly as
// sent, and searches treat SQL and LIKE metacharacters as plain text.
func TestHostileButValid(t *testing.T) {
	t.Parallel()
	e := newFuzzEnv(t)
	names := []string{
		"\u202eRTL override\u202c", "\u200fmark\u200e", "😀 emoji 👩‍👩‍👧", "tab\there", "new\nline", "bell\u0007",
		"<script>alert(1)</script>", "Ωmega — ünïcödé", strings.Repeat("é", 255),
	}
	names = append(names, sqlMeta...)
	for i, name := range names {
		email := fmt.Sprintf("valid%d@example.com", i)
		var c struct {
			ID          int
			Name, Email string
		}
		dataOf(t, e.must(t, post(custURL, `{"name":`+jsonString(name)+`,"email":"`+email+`","phone":`+jsonString(name[:min(len(name), 10)])+`}`)).body, &c)
		dataOf(t, e.must(t, get(custURL+"/"+itoa(c.ID))).body, &c)
		if c.Name != name || c.Email != email {
			t.Errorf("customer %q stored as %q", name, c.Name)
		}
		var p struct{ SKU, Name string }
		sku := fmt.Sprintf("%.90s-%d", name, i)
		dataOf(t, e.must(t, post(products, `{"sku":`+jsonString(sku)+`,"name":`+jsonString(name)+`,"price_cents":1}`)).body, &p)
		if p.SKU != sku || p.Name != name {
			t.Errorf("product %q stored as %q/%q", name, p.SKU, p.Name)
		}
	}
	checkEnvelope(t, e.do(t, get(custURL)))

	// Numbers JSON.parse reads as whole: -0, 1.0, 1e2.
	var p struct {
		PriceCents int64 `json:"price_cents"`
		Stock      int64 `json:"stock"`
	}
	p.PriceCents = -1
	dataOf(t, e.must(t, post(products, `{"sku":"NUM-1","name":"n","price_cents":-0,"stock":1.0}`)).body, &p)
	if p.PriceCents != 0 || p.Stock != 1 {
		t.Errorf("-0 and 1.0 stored as %+v", p)
	}
	// Duplicate keys: the last wins.
	p.PriceCents = -1
	dataOf(t, e.must(t, post(products, `{"sku":"DUP-1","name":"n","price_cents":-1,"price_cents":5}`)).body, &p)
	if p.PriceCents != 5 {
		t.Errorf("duplicate price stored as %d", p.PriceCents)
	}

	// Every search matches its text literally: each metacharacter finds
	// exactly the one customer and product whose name holds it (names
	// holding '%', '_' and '\' appear in no other name).
	for _, meta := range []string{`%`, `_`, `\`, `' OR 1=1 --`, `"; DROP TABLE orders; --`} {
		var cs []struct{ Name string }
		dataOf(t, e.must(t, get(custURL+"?limit=100&search="+url.QueryEscape(meta))).body, &cs)
		for _, c := range cs {
			if !strings.Contains(strings.ToLower(c.Name), strings.ToLower(meta)) {
				t.Errorf("search %q found %q", meta, c.Name)
			}
		}
		var ps []struct{ Name, SKU string }
		dataOf(t, e.must(t, get(products+"?limit=100&search="+url.QueryEscape(meta))).body, &ps)
		for _, p := range ps {
			if !strings.Contains(strings.ToLower(p.Name+p.SKU), strings.ToLower(meta)) {
				t.Errorf("product search %q found %q", meta, p.Name)
			}
		}
		if len(cs) == 0 || len(ps) == 0 {
			t.Errorf("search %q found %d customers and %d products", meta, len(cs), len(ps))
		}
	}
	// Searches with bytes that are not UTF-8, NUL and control characters
	// are answered, not failed.
	for _, q := range []string{"%FF%FE", "%00", "%C0%AF", "%E2%80%AE", "%0A%0D"} {
		for _, list := range []string{custURL, products} {
			r := e.do(t, get(list+"?search="+q))
			checkEnvelope(t, r)
			if r.status >= 500 {
				t.Errorf("%s?search=%s: %d %s", list, q, r.status, r.body)
			}
		}
	}
	if l := e.logs.String(); l != "" {
		t.Errorf("logged as errors:\n%s", l)
	}
}
