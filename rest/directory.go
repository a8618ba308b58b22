package rest

import (
	"context"
	"encoding/json"
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

// CustomerClient is the orders role's orders.CustomerDirectory when the
// customers role runs in another process: it asks that role's internal
// route with the service token, as the original's orders API did.
type CustomerClient struct {
	// Base is the customers role's URL (CUSTOMERS_API_BASE), without Prefix.
	Base string
	// ServiceToken is sent as "Authorization: Bearer <ServiceToken>".
	ServiceToken string
	// HTTP is the client to use; nil means one with a 10 s timeout.
	HTTP *http.Client
}

var defaultDirectoryClient = &http.Client{Timeout: 10 * time.Second}

// Exists reports whether a live customer has the id: true on 200, false on
// 404 "Customer not found" from the internal route.
// Errors: an Internal *services.Error when the customers role cannot be
// reached or answers anything else (a refused service token included: that
// is a deployment mistake, not the caller's).
func (c *CustomerClient) Exists(ctx context.Context, id int) (bool, error) {
	url := strings.TrimRight(c.Base, "/") + Prefix + "/internal/customers/" + strconv.Itoa(id)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false, services.WrapInternal(err, "customer directory")
	}
	req.Header.Set("Authorization", "Bearer "+c.ServiceToken)
	req.Header.Set("Accept", "application/json")
	// The same request id in both processes' logs ties the two requests together.
	if id := middleware.GetReqID(ctx); id != "" {
		req.Header.Set(middleware.RequestIDHeader, id)
	}
	hc := c.HTTP
	if hc == nil {
		hc = defaultDirectoryClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		// The customers role did not answer: an outage, which the caller
		// may retry, not a fault of ours.
		return false, services.Outage(fmt.Errorf("customer directory: %w", err))
	}
	defer resp.Body.Close()
	var body web.ErrorBody
	// Read to the end so that the connection can be reused.
	_ = json.NewDecoder(io.LimitReader(resp.Body, MaxBodyBytes)).Decode(&body)
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, MaxBodyBytes))
	switch {
	case resp.StatusCode == http.StatusOK:
		return true, nil
	case resp.StatusCode == http.StatusNotFound && body.Error == msgCustomerNotFound:
		// Only this 404 means "no such customer": "Endpoint not found" from
		// a CUSTOMERS_API_BASE that points elsewhere must not hide every customer.
		return false, nil
	}
	return false, services.WrapInternal(fmt.Errorf("GET %s: status %d %q", url, resp.StatusCode, body.Error), "customer directory")
}

// Live returns those of ids that are live customers, asking the internal
// route once per distinct id (it has no batch form).
// Errors: those of Exists.
func (c *CustomerClient) Live(ctx context.Context, ids []int) ([]int, error) {
	var live []int
	for _, id := range ids {
		if slices.Contains(live, id) {
			continue
		}
		ok, err := c.Exists(ctx, id)
		if err != nil {
			return nil, err
		}
		if ok {
			live = append(live, id)
		}
	}
	return live, nil
}

// msgCustomerNotFound is the customers service's answer for an unknown id.
const msgCustomerNotFound = "Customer not found"
