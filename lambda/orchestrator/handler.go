// Package orchestrator is the create-and-confirm orchestrator: it checks a
// request, runs the graph's createAndConfirmOrder mutation and answers in
// the original orchestrator's shapes. It holds no business logic: the
// mutation is atomic and idempotent in the services. The same Handler
// serves AWS Lambda events and the local HTTP form on port 3003.
package orchestrator

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/b2b-orders/platform/internal/gqlcode"
	"github.com/b2b-orders/platform/internal/web"
)

// Handler answers create-and-confirm requests.
type Handler struct {
	Graph  *GraphClient
	Logger *slog.Logger
	// NewID makes correlation ids for requests that bring none (default:
	// random UUIDs).
	NewID func() string
}

// Response is the orchestrator's answer; Status is its HTTP status.
type Response struct {
	Status        int           `json:"-"`
	Success       bool          `json:"success"`
	CorrelationID string        `json:"correlationId"`
	Data          *ResponseData `json:"data,omitempty"`
	// Message says what a success that is not a confirmation means: an
	// order placed pending approval.
	Message string `json:"message,omitempty"`
	Error   string `json:"error,omitempty"`
}

// PendingMessage answers an order placed pending approval (202): the
// customer's approval rules matched it, and its approvers confirm it.
const PendingMessage = "Order placed pending approval: it is confirmed when its approvers approve it"

// ResponseData is the order, confirmed or pending approval, and its
// customer.
type ResponseData struct {
	Customer CustomerInfo `json:"customer"`
	Order    OrderInfo    `json:"order"`
}

// CustomerInfo is the customer of a confirmed order.
type CustomerInfo struct {
	ID    int     `json:"id"`
	Name  string  `json:"name"`
	Email string  `json:"email"`
	Phone *string `json:"phone"`
}

// OrderInfo is a confirmed order.
type OrderInfo struct {
	ID         int        `json:"id"`
	Status     string     `json:"status"`
	TotalCents int64      `json:"total_cents"`
	Items      []LineInfo `json:"items"`
}

// LineInfo is one line of a confirmed order.
type LineInfo struct {
	ProductID      int   `json:"product_id"`
	Qty            int64 `json:"qty"`
	UnitPriceCents int64 `json:"unit_price_cents"`
	SubtotalCents  int64 `json:"subtotal_cents"`
}

// statusByCode maps the graph's error codes to the orchestrator's statuses,
// each the status its code stands for (gqlcode.HTTPStatus). The graph
// refusing our credentials keeps its 401/403; anything else that went
// wrong inside it (the codes left out) is a bad gateway to our callers.
var statusByCode = gqlcode.Statuses(
	gqlcode.BadUserInput, gqlcode.InsufficientStock, gqlcode.FailedPrecondition,
	gqlcode.NotFound, gqlcode.Conflict, gqlcode.Unauthenticated, gqlcode.Forbidden,
	// The graph limits a caller whose own token the local form passes on.
	gqlcode.RateLimited,
	// The graph's database did not answer.
	gqlcode.Unavailable,
	// The graph saw this call's caller go away.
	gqlcode.Canceled,
)

// Handle answers one request body. correlationID is the caller's header
// value, used when the body names none; authorization, when not empty, is
// sent to the graph instead of the service token, so that the graph
// authorizes the original caller.
func (h *Handler) Handle(ctx context.Context, body []byte, correlationID, authorization string) Response {
	req, err := ParseRequest(body)
	if req.CorrelationID != "" {
		correlationID = req.CorrelationID
	}
	if correlationID == "" || !web.ValidCorrelationID(correlationID) {
		// A header value can be anything in a Lambda event.
		correlationID = h.newID()
	}
	fail := func(status int, msg string) Response {
		return Response{Status: status, CorrelationID: correlationID, Error: msg}
	}
	if err != nil {
		return fail(http.StatusBadRequest, err.Error())
	}
	order, gerr, err := h.Graph.CreateAndConfirm(ctx, req, correlationID, authorization)
	if err != nil && errors.Is(ctx.Err(), context.Canceled) {
		// The caller went away: its doing, not a failure of the graph.
		h.logger().InfoContext(ctx, "caller went away", "correlation_id", correlationID, "err", err)
		return fail(gqlcode.StatusClientClosedRequest, "Request canceled")
	}
	if err != nil {
		status := http.StatusBadGateway
		var u *unreachable
		if errors.As(err, &u) {
			status = u.status
		}
		h.logger().ErrorContext(ctx, "graph call failed", "correlation_id", correlationID, "status", status, "err", err)
		if status == http.StatusServiceUnavailable {
			return fail(status, "Order service unavailable")
		}
		return fail(status, "Order service error")
	}
	if gerr != nil {
		status, ok := statusByCode[gerr.Extensions.Code]
		if !ok {
			h.logger().ErrorContext(ctx, "graph error", "correlation_id", correlationID, "code", gerr.Extensions.Code, "message", gerr.Message)
			return fail(http.StatusBadGateway, "Order service error")
		}
		return fail(status, gerr.Message)
	}
	data, err := order.info()
	if err != nil {
		h.logger().ErrorContext(ctx, "graph answer", "correlation_id", correlationID, "err", err)
		return fail(http.StatusBadGateway, "Order service error")
	}
	if data.Order.Status == pendingApproval {
		return Response{Status: http.StatusAccepted, Success: true, CorrelationID: correlationID, Data: data, Message: PendingMessage}
	}
	return Response{Status: http.StatusCreated, Success: true, CorrelationID: correlationID, Data: data}
}

// pendingApproval is the graph's status of an order waiting for approval.
const pendingApproval = "PENDING_APPROVAL"

func (o *graphOrder) info() (*ResponseData, error) {
	var d ResponseData
	var err error
	atoi := func(s string) int {
		n, e := strconv.Atoi(s)
		if e != nil && err == nil {
			err = fmt.Errorf("id %q: %w", s, e)
		}
		return n
	}
	d.Customer = CustomerInfo{ID: atoi(o.Customer.ID), Name: o.Customer.Name, Email: o.Customer.Email, Phone: o.Customer.Phone}
	d.Order = OrderInfo{ID: atoi(o.ID), Status: o.Status, TotalCents: o.TotalCents, Items: make([]LineInfo, len(o.Items))}
	for i, it := range o.Items {
		d.Order.Items[i] = LineInfo{ProductID: atoi(it.Product.ID), Qty: it.Quantity, UnitPriceCents: it.UnitPriceCents, SubtotalCents: it.SubtotalCents}
	}
	return &d, err
}

func (h *Handler) newID() string {
	if h.NewID != nil {
		return h.NewID()
	}
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

func (h *Handler) logger() *slog.Logger {
	if h.Logger != nil {
		return h.Logger
	}
	return slog.Default()
}

// body is the JSON of a response, which cannot fail to encode.
func (r Response) body() []byte {
	b, _ := json.Marshal(r)
	return b
}
