package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// line is one order line.
type line struct {
	product int
	qty     int
}

// worker is what one load goroutine owns: its random source, its buffers
// and its request headers, reused for every request.
type worker struct {
	env  *benchEnv
	rng  *rand.Rand
	id   int
	n    int
	body []byte
	resp bytes.Buffer
	hdr  http.Header
	key  []byte
	ls   []line
}

func (e *benchEnv) newWorker(scenario string, cell, id int) *worker {
	return &worker{
		env:  e,
		rng:  rand.New(rand.NewPCG(uint64(id)+1, uint64(len(scenario))*7919+uint64(time.Now().UnixNano()))),
		id:   id,
		body: make([]byte, 0, 1024),
		hdr: http.Header{
			"Authorization": {"Bearer " + e.token},
			"Content-Type":  {"application/json"},
		},
		key: fmt.Appendf(nil, "bench-%s-%s-%d-%d-", e.runID, scenario, cell, id),
		ls:  make([]line, 0, 3),
	}
}

// lines picks 1–3 distinct products (with hot, product 1 is always one of
// them) with quantities 1–5, in product-id order.
func (w *worker) lines(hot bool) []line {
	w.ls = w.ls[:0]
	n := 1 + w.rng.IntN(3)
	if hot {
		w.ls = append(w.ls, line{hotProduct, 1 + w.rng.IntN(5)})
	}
	for len(w.ls) < n {
		p := 1 + w.rng.IntN(numProducts)
		if slices.ContainsFunc(w.ls, func(l line) bool { return l.product == p }) {
			continue
		}
		w.ls = append(w.ls, line{p, 1 + w.rng.IntN(5)})
	}
	slices.SortFunc(w.ls, func(a, b line) int { return a.product - b.product })
	return w.ls
}

func (w *worker) customer() int { return 1 + w.rng.IntN(numCustomers) }

// nextKey is a new idempotency key, unique in the run.
func (w *worker) nextKey() []byte {
	w.n++
	return strconv.AppendInt(w.key, int64(w.n), 10)
}

// do sends the request and reads the whole answer into w.resp.
func (w *worker) do(ctx context.Context, method, url string, body []byte) (int, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return 0, err
	}
	req.Header = w.hdr
	resp, err := w.env.http.Do(req)
	if err != nil {
		return 0, err
	}
	w.resp.Reset()
	_, err = w.resp.ReadFrom(resp.Body)
	resp.Body.Close()
	return resp.StatusCode, err
}

func (w *worker) fail(code int) error {
	b := w.resp.Bytes()
	if len(b) > 300 {
		b = b[:300]
	}
	return fmt.Errorf("HTTP %d: %s", code, bytes.TrimSpace(b))
}

var (
	gqlErrors    = []byte(`"errors"`)
	gqlConfirmed = []byte(`"CONFIRMED"`)
)

const createAndConfirmQuery = `mutation($in: CreateAndConfirmOrderInput!) { createAndConfirmOrder(input: $in) { id status totalCents items { id quantity unitPriceCents subtotalCents product { id } } } }`

// graphCreate is scenarios graph, hot (on the combined graph) and gw
// (through the gateway): every request is distinct (its own key).
func (w *worker) graphCreate(url string, hot bool) op {
	return func(ctx context.Context) (int, error) {
		b := append(w.body[:0], `{"query":"`+createAndConfirmQuery+`","variables":{"in":{"customerId":"`...)
		b = strconv.AppendInt(b, int64(w.customer()), 10)
		b = append(b, `","items":[`...)
		for i, l := range w.lines(hot) {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"productId":"`...)
			b = strconv.AppendInt(b, int64(l.product), 10)
			b = append(b, `","quantity":`...)
			b = strconv.AppendInt(b, int64(l.qty), 10)
			b = append(b, '}')
		}
		b = append(b, `],"idempotencyKey":"`...)
		b = append(b, w.nextKey()...)
		b = append(b, `","correlationId":"`...)
		b = append(b, w.key...)
		b = append(b, `"}}}`...)
		w.body = b
		code, err := w.do(ctx, http.MethodPost, url, b)
		if err != nil {
			return 1, err
		}
		if code != http.StatusOK || bytes.Contains(w.resp.Bytes(), gqlErrors) || !bytes.Contains(w.resp.Bytes(), gqlConfirmed) {
			return 1, w.fail(code)
		}
		return 1, nil
	}
}

// orchCreate is scenario orch: the Lambda's local form.
func (w *worker) orchCreate() op {
	url := w.env.srv.url("orchestrator", "/orchestrator/create-and-confirm-order")
	return func(ctx context.Context) (int, error) {
		b := append(w.body[:0], `{"customer_id":`...)
		b = strconv.AppendInt(b, int64(w.customer()), 10)
		b = w.restItems(b, `,"items":[`)
		b = append(b, `,"idempotency_key":"`...)
		b = append(b, w.nextKey()...)
		b = append(b, `"}`...)
		w.body = b
		code, err := w.do(ctx, http.MethodPost, url, b)
		if err != nil {
			return 1, err
		}
		if code != http.StatusCreated || !bytes.Contains(w.resp.Bytes(), gqlConfirmed) {
			return 1, w.fail(code)
		}
		return 1, nil
	}
}

func (w *worker) restItems(b []byte, head string) []byte {
	b = append(b, head...)
	for i, l := range w.lines(false) {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"product_id":`...)
		b = strconv.AppendInt(b, int64(l.product), 10)
		b = append(b, `,"qty":`...)
		b = strconv.AppendInt(b, int64(l.qty), 10)
		b = append(b, '}')
	}
	return append(b, ']')
}

var dataID = []byte(`"data":{"id":`)

// restCreateConfirm is scenario rest: two requests per operation.
func (w *worker) restCreateConfirm() op {
	create := w.env.srv.url("orders", "/api/v1/orders")
	return func(ctx context.Context) (int, error) {
		b := append(w.body[:0], `{"customer_id":`...)
		b = strconv.AppendInt(b, int64(w.customer()), 10)
		b = w.restItems(b, `,"items":[`)
		b = append(b, '}')
		w.body = b
		code, err := w.do(ctx, http.MethodPost, create, b)
		if err != nil {
			return 1, err
		}
		if code != http.StatusCreated {
			return 1, w.fail(code)
		}
		r := w.resp.Bytes()
		i := bytes.Index(r, dataID)
		if i < 0 {
			return 1, w.fail(code)
		}
		r = r[i+len(dataID):]
		j := 0
		for j < len(r) && r[j] >= '0' && r[j] <= '9' {
			j++
		}
		url := append([]byte(create+"/"), r[:j]...)
		url = append(url, "/confirm"...)
		b = append(w.body[:0], `{"idempotency_key":"`...)
		b = append(b, w.nextKey()...)
		b = append(b, `"}`...)
		w.body = b
		code, err = w.do(ctx, http.MethodPost, string(url), b)
		if err != nil {
			return 2, err
		}
		if code != http.StatusOK || !bytes.Contains(w.resp.Bytes(), gqlConfirmed) {
			return 2, w.fail(code)
		}
		return 2, nil
	}
}

// getOrder is scenario get: a random existing order by id.
func (w *worker) getOrder(maxID int) op {
	base := w.env.srv.url("orders", "/api/v1/orders/")
	url := make([]byte, 0, len(base)+20)
	return func(ctx context.Context) (int, error) {
		url = strconv.AppendInt(append(url[:0], base...), int64(1+w.rng.IntN(maxID)), 10)
		code, err := w.do(ctx, http.MethodGet, string(url), nil)
		if err != nil {
			return 1, err
		}
		if code != http.StatusOK {
			return 1, w.fail(code)
		}
		return 1, nil
	}
}

const listQuery = `query($after: String) { orders(first: 20, after: $after) { edges { node { id status totalCents createdAt customer { id name email } items { id quantity unitPriceCents subtotalCents product { id sku name } } } } } }`

// graphList is scenario gqlist: a page of 20 orders after a random one.
// The cursor is built the way graph/model.Cursor builds it.
func (w *worker) graphList(url string, maxID int) op {
	var cur []byte
	return func(ctx context.Context) (int, error) {
		after := w.rng.IntN(max(1, maxID-20))
		b := append(w.body[:0], `{"query":"`+listQuery+`","variables":{"after":`...)
		if after == 0 {
			b = append(b, "null"...)
		} else {
			cur = strconv.AppendInt(append(cur[:0], "order:"...), int64(after), 10)
			b = append(b, '"')
			b = base64.RawURLEncoding.AppendEncode(b, cur)
			b = append(b, '"')
		}
		b = append(b, `}}`...)
		w.body = b
		code, err := w.do(ctx, http.MethodPost, url, b)
		if err != nil {
			return 1, err
		}
		if code != http.StatusOK || bytes.Contains(w.resp.Bytes(), gqlErrors) {
			return 1, w.fail(code)
		}
		return 1, nil
	}
}

// The ceiling's statements: the service's transaction without the ORM,
// the transports or the reads it does to answer.
const (
	ceilStock = "UPDATE products SET stock = stock - ? WHERE id = ? AND stock >= ?"
	ceilOrder = "INSERT INTO orders (customer_id, status, total_cents, created_at, confirmed_at) VALUES (?, 'CONFIRMED', ?, ?, ?)"
	ceilItems = "INSERT INTO order_items (order_id, product_id, qty, unit_price_cents, subtotal_cents) VALUES "
	// In a scope of its own, as the service writes every key: a key
	// without one (scope "") is a key from before scopes, which the
	// service must look up on every placement while one lives.
	ceilKey = "INSERT INTO idempotency_keys (scope, key_value, operation, target_type, target_id, request_hash, status, response_body, created_at, expires_at) VALUES ('service:ceiling', ?, 'create_and_confirm_order', 'order', ?, ?, 'completed', ?, ?, ?)"
)

var ceilItemsN = func() [4]string {
	var q [4]string
	for n := 1; n <= 3; n++ {
		q[n] = ceilItems + "(?, ?, ?, ?, ?)"
		for range n - 1 {
			q[n] += ", (?, ?, ?, ?, ?)"
		}
	}
	return q
}()

var errNoStock = errors.New("ceiling: insufficient stock")

// ceiling is the raw-SQL create-and-confirm: BEGIN, one conditional stock
// update per line in product-id order, the order, its items in one
// statement, the idempotency key naming the order, COMMIT.
func (w *worker) ceiling(d *sql.DB, cat catalogue) op {
	args := make([]any, 0, 15)
	var hash [sha256.Size]byte
	var hexHash [2 * sha256.Size]byte
	return func(ctx context.Context) (n int, err error) {
		ls := w.lines(false)
		cust := w.customer()
		key := w.nextKey()
		now := time.Now().UTC().Truncate(time.Millisecond)
		tx, err := d.BeginTx(ctx, nil)
		if err != nil {
			return 1, err
		}
		defer func() {
			if err != nil {
				_ = tx.Rollback()
			}
		}()
		var total int64
		for _, l := range ls {
			res, err := tx.ExecContext(ctx, ceilStock, l.qty, l.product, l.qty)
			if err != nil {
				return 1, err
			}
			if n, err := res.RowsAffected(); err != nil || n != 1 {
				return 1, errors.Join(errNoStock, err)
			}
			total += cat.price[l.product] * int64(l.qty)
		}
		res, err := tx.ExecContext(ctx, ceilOrder, cust, total, now, now)
		if err != nil {
			return 1, err
		}
		id, err := res.LastInsertId()
		if err != nil {
			return 1, err
		}
		args = args[:0]
		for _, l := range ls {
			p := cat.price[l.product]
			args = append(args, id, l.product, l.qty, p, p*int64(l.qty))
		}
		if _, err = tx.ExecContext(ctx, ceilItemsN[len(ls)], args...); err != nil {
			return 1, err
		}
		w.body = fmt.Appendf(w.body[:0], "customer=%d", cust)
		for _, l := range ls {
			w.body = fmt.Appendf(w.body, ";%d*%d", l.product, l.qty)
		}
		hash = sha256.Sum256(w.body)
		hex.Encode(hexHash[:], hash[:])
		resp := `{"success":true,"orderId":` + strconv.FormatInt(id, 10) + `,"status":"CONFIRMED"}`
		if _, err = tx.ExecContext(ctx, ceilKey, string(key), id, string(hexHash[:]), resp, now, now.Add(24*time.Hour)); err != nil {
			return 1, err
		}
		return 1, tx.Commit()
	}
}
