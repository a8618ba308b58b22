// Package directory is the orders role's customer directory when the
// customers role runs in another process: an HTTP client of that role's
// internal customer route, which rest serves. Both sides take the route's
// path and its answer header from here, so they cannot drift apart.
package directory

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5/middleware"

	"github.com/b2b-orders/platform/internal/web"
	"github.com/b2b-orders/platform/services"
)

// Path is the internal customer route, below the API prefix; the
// customer's id follows it.
const Path = "/api/v1/internal/customers/"

// AnswerHeader marks the internal route's own answers: 200 for a live
// customer, 404 for none. A 404 without it is not the route answering (a
// CUSTOMERS_API_BASE that points at another service, or at a customers
// role without the route), so it cannot mean "no such customer".
const AnswerHeader = "B2B-Customer-Directory"

// Answering marks next's answers with AnswerHeader. Put it behind the
// route's authorization, so that a refusal is not marked.
func Answering(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(AnswerHeader, "1")
		next.ServeHTTP(w, r)
	})
}

// Client asks the customers role's internal route with the service token,
// as the original's orders API did. It is an orders.CustomerDirectory.
type Client struct {
	// Base is the customers role's URL (CUSTOMERS_API_BASE), without the
	// API prefix.
	Base string
	// ServiceToken is sent as "Authorization: Bearer <ServiceToken>".
	ServiceToken string
	// HTTP is the client to use; nil means one with a 10 s timeout.
	HTTP *http.Client
}

var defaultHTTP = &http.Client{Timeout: 10 * time.Second}

// Exists reports whether a live customer has the id, by the status of the
// route's answer: true on 200, false on 404.
// Errors: Canceled when ctx was; an Outage *services.Error when the
// customers role cannot be reached; an Internal one for any other answer, or one not marked with
// AnswerHeader (a refused service token included: that is a deployment
// mistake, not the caller's).
func (c *Client) Exists(ctx context.Context, id int) (bool, error) {
	url := strings.TrimRight(c.Base, "/") + Path + strconv.Itoa(id)
	status, err := c.get(ctx, url, nil)
	if err != nil {
		return false, err
	}
	switch status {
	case http.StatusOK:
		return true, nil
	case http.StatusNotFound:
		return false, nil
	}
	return false, services.WrapInternal(fmt.Errorf("GET %s: status %d", url, status), "customer directory")
}

// get asks url with the service token and the request id, decodes a 200
// answer into out (when not nil), and returns the status of an answer the
// route gave (marked with AnswerHeader).
// Errors: Canceled; Outage when the role did not answer; Internal for an
// answer not from the route, or a 200 that does not decode.
func (c *Client) get(ctx context.Context, url string, out any) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, services.WrapInternal(err, "customer directory")
	}
	req.Header.Set("Authorization", "Bearer "+c.ServiceToken)
	req.Header.Set("Accept", "application/json")
	// The same request id in both processes' logs ties the two requests together.
	if id := middleware.GetReqID(ctx); id != "" {
		req.Header.Set(middleware.RequestIDHeader, id)
	}
	hc := c.HTTP
	if hc == nil {
		hc = defaultHTTP
	}
	resp, err := hc.Do(req)
	if err != nil {
		if errors.Is(ctx.Err(), context.Canceled) {
			return 0, services.CanceledBy(fmt.Errorf("customer directory: %w", err))
		}
		// The customers role did not answer: an outage, which the caller
		// may retry, not a fault of ours.
		return 0, services.Outage(fmt.Errorf("customer directory: %w", err))
	}
	defer resp.Body.Close()
	// Read to the end so that the connection can be reused.
	defer func() { _, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, web.MaxBodyBytes)) }()
	if resp.Header.Get(AnswerHeader) == "" {
		return 0, services.WrapInternal(fmt.Errorf("GET %s: status %d without %s", url, resp.StatusCode, AnswerHeader), "customer directory")
	}
	if resp.StatusCode == http.StatusOK && out != nil {
		if err := json.NewDecoder(io.LimitReader(resp.Body, web.MaxBodyBytes)).Decode(out); err != nil {
			return 0, services.WrapInternal(fmt.Errorf("GET %s: %w", url, err), "customer directory")
		}
	}
	return resp.StatusCode, nil
}

// MaxBatch bounds the ids of one batch request (Path without an id,
// ?ids=1,2,3).
const MaxBatch = 100

// Live returns those of ids that are live customers, each once, asking
// the route's batch form once per MaxBatch distinct ids.
// Errors: those of Exists.
func (c *Client) Live(ctx context.Context, ids []int) ([]int, error) {
	distinct := slices.Clone(ids)
	slices.Sort(distinct)
	distinct = slices.Compact(distinct)
	var live []int
	for batch := range slices.Chunk(distinct, MaxBatch) {
		got, err := c.liveBatch(ctx, batch)
		if err != nil {
			return nil, err
		}
		live = append(live, got...)
	}
	return live, nil
}

func (c *Client) liveBatch(ctx context.Context, ids []int) ([]int, error) {
	var q strings.Builder
	for i, id := range ids {
		if i > 0 {
			q.WriteByte(',')
		}
		q.WriteString(strconv.Itoa(id))
	}
	url := strings.TrimRight(c.Base, "/") + strings.TrimSuffix(Path, "/") + "?ids=" + q.String()
	var body struct {
		Data struct {
			Live []int `json:"live"`
		} `json:"data"`
	}
	status, err := c.get(ctx, url, &body)
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, services.WrapInternal(fmt.Errorf("GET %s: status %d", url, status), "customer directory")
	}
	return body.Data.Live, nil
}
