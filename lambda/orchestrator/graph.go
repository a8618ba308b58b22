package orchestrator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/b2b-orders/platform/internal/web"
)

// CreateAndConfirmMutation is the one operation the orchestrator runs. A
// test parses it against the combined graph's schema, so it cannot drift.
const CreateAndConfirmMutation = `mutation CreateAndConfirmOrder($input: CreateAndConfirmOrderInput!) {
  createAndConfirmOrder(input: $input) {
    id
    status
    totalCents
    customer { id name email phone }
    items { product { id } quantity unitPriceCents subtotalCents }
  }
}`

// GraphClient sends the mutation to the graph.
type GraphClient struct {
	// URL is the graph's endpoint, e.g. http://127.0.0.1:4000/graphql.
	URL string
	// ServiceToken authenticates the orchestrator to the graph.
	ServiceToken string
	// HTTP sends the requests; its Timeout bounds one attempt.
	HTTP *http.Client
	// Attempts bounds tries when the graph cannot be reached (default 3).
	// Retrying is safe because the idempotency key makes the mutation
	// happen at most once.
	Attempts int
	// Backoff is the pause before the second attempt, doubled after.
	Backoff time.Duration
}

// graphOrder is the mutation's answer.
type graphOrder struct {
	ID         string `json:"id"`
	Status     string `json:"status"`
	TotalCents int64  `json:"totalCents"`
	Customer   struct {
		ID    string  `json:"id"`
		Name  string  `json:"name"`
		Email string  `json:"email"`
		Phone *string `json:"phone"`
	} `json:"customer"`
	Items []struct {
		Product struct {
			ID string `json:"id"`
		} `json:"product"`
		Quantity       int64 `json:"quantity"`
		UnitPriceCents int64 `json:"unitPriceCents"`
		SubtotalCents  int64 `json:"subtotalCents"`
	} `json:"items"`
}

// graphError is an error the graph answered with.
type graphError struct {
	Message    string `json:"message"`
	Extensions struct {
		Code string `json:"code"`
	} `json:"extensions"`
}

// unreachable means no usable answer came from the graph.
type unreachable struct {
	status int // 503: not reached or timed out; 502: a broken answer
	err    error
}

func (e *unreachable) Error() string { return e.err.Error() }

type mutationInput struct {
	CustomerID     int         `json:"customerId"`
	Items          []itemInput `json:"items"`
	IdempotencyKey string      `json:"idempotencyKey"`
	CorrelationID  string      `json:"correlationId,omitempty"`
}

type itemInput struct {
	ProductID int `json:"productId"`
	Quantity  int `json:"quantity"`
}

// CreateAndConfirm runs the mutation for r. It returns the order, or the
// graph's first error, or an *unreachable when no answer came;
// authorization, when not empty, replaces the service token.
func (c *GraphClient) CreateAndConfirm(ctx context.Context, r Request, correlationID, authorization string) (*graphOrder, *graphError, error) {
	if authorization == "" {
		authorization = "Bearer " + c.ServiceToken
	}
	in := mutationInput{CustomerID: r.CustomerID, IdempotencyKey: r.IdempotencyKey, CorrelationID: correlationID}
	for _, it := range r.Items {
		in.Items = append(in.Items, itemInput{ProductID: it.ProductID, Quantity: it.Qty})
	}
	body, err := json.Marshal(map[string]any{
		"operationName": "CreateAndConfirmOrder",
		"query":         CreateAndConfirmMutation,
		"variables":     map[string]any{"input": in},
	})
	if err != nil {
		return nil, nil, err
	}
	attempts, backoff := c.Attempts, c.Backoff
	if attempts < 1 {
		attempts = 3
	}
	if backoff <= 0 {
		backoff = 100 * time.Millisecond
	}
	var last error
	for i := range attempts {
		if i > 0 {
			select {
			case <-ctx.Done():
				return nil, nil, &unreachable{status: http.StatusServiceUnavailable, err: ctx.Err()}
			case <-time.After(backoff):
			}
			backoff *= 2
		}
		order, gerr, err := c.post(ctx, body, correlationID, authorization)
		var u *unreachable
		if err == nil || !errors.As(err, &u) || u.status != http.StatusServiceUnavailable {
			return order, gerr, err
		}
		last = err
	}
	return nil, nil, last
}

func (c *GraphClient) post(ctx context.Context, body []byte, correlationID, authorization string) (*graphOrder, *graphError, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, bytes.NewReader(body))
	if err != nil {
		return nil, nil, &unreachable{status: http.StatusBadGateway, err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	// GraphQL over HTTP: the graph answers a refused document with 400 and
	// no data in this media type; the body is read the same either way.
	req.Header.Set("Accept", "application/graphql-response+json, application/json;q=0.9")
	req.Header.Set("Authorization", authorization)
	req.Header.Set(web.CorrelationIDHeader, correlationID)
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, nil, &unreachable{status: http.StatusServiceUnavailable, err: err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, nil, &unreachable{status: http.StatusServiceUnavailable, err: err}
	}
	switch resp.StatusCode {
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return nil, nil, &unreachable{status: http.StatusServiceUnavailable, err: fmt.Errorf("graph answered %s", resp.Status)}
	}
	var out struct {
		Data *struct {
			Order *graphOrder `json:"createAndConfirmOrder"`
		} `json:"data"`
		Errors []graphError `json:"errors"`
	}
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, nil, &unreachable{status: http.StatusBadGateway, err: fmt.Errorf("graph answered %s with no GraphQL body: %w", resp.Status, err)}
	}
	if len(out.Errors) > 0 {
		return nil, &out.Errors[0], nil
	}
	if out.Data == nil || out.Data.Order == nil {
		return nil, nil, &unreachable{status: http.StatusBadGateway, err: fmt.Errorf("graph answered %s without an order", resp.Status)}
	}
	return out.Data.Order, nil, nil
}
