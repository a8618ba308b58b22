package orchestrator

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/b2b-orders/platform/internal/web"
)

// HandleEvent is the Lambda entry point. It accepts API Gateway REST (v1)
// proxy events, HTTP API (v2) and function URL events, and direct
// invocations whose event is the request body itself, and answers each in
// its own shape: proxy responses for the HTTP events, the response body
// with its "statusCode" for direct invocations. It never returns an error:
// every failure is an answer with a status.
func (h *Handler) HandleEvent(ctx context.Context, event json.RawMessage) (any, error) {
	var probe struct {
		HTTPMethod     string `json:"httpMethod"`
		RequestContext struct {
			HTTP *struct {
				Method string `json:"method"`
			} `json:"http"`
		} `json:"requestContext"`
		Headers         map[string]string `json:"headers"`
		Body            *string           `json:"body"`
		IsBase64Encoded bool              `json:"isBase64Encoded"`
	}
	// An event that is not even an object is a direct invocation with a
	// bad body; ParseRequest says so.
	_ = json.Unmarshal(event, &probe)
	switch {
	case probe.HTTPMethod != "":
		status, headers, body := h.httpEvent(ctx, probe.HTTPMethod, probe.Headers, probe.Body, probe.IsBase64Encoded)
		return events.APIGatewayProxyResponse{StatusCode: status, Headers: headers, Body: body}, nil
	case probe.RequestContext.HTTP != nil:
		status, headers, body := h.httpEvent(ctx, probe.RequestContext.HTTP.Method, probe.Headers, probe.Body, probe.IsBase64Encoded)
		return events.APIGatewayV2HTTPResponse{StatusCode: status, Headers: headers, Body: body}, nil
	}
	r := h.Handle(ctx, event, "", "")
	return struct {
		StatusCode int `json:"statusCode"`
		Response
	}{r.Status, r}, nil
}

// httpEvent answers an HTTP event. API Gateway has already authorized the
// caller, so the graph is called with the service token.
func (h *Handler) httpEvent(ctx context.Context, method string, headers map[string]string, body *string, b64 bool) (int, map[string]string, string) {
	correlationID := header(headers, web.CorrelationIDHeader)
	var raw []byte
	if body != nil {
		raw = []byte(*body)
		if b64 {
			var err error
			if raw, err = base64.StdEncoding.DecodeString(*body); err != nil {
				raw = nil
			}
		}
	}
	var r Response
	if method != http.MethodPost {
		r = Response{Status: http.StatusMethodNotAllowed, CorrelationID: correlationID, Error: "Method not allowed"}
		if r.CorrelationID == "" {
			r.CorrelationID = h.newID()
		}
	} else {
		r = h.Handle(ctx, raw, correlationID, "")
	}
	return r.Status, r.headers(), string(r.body())
}

// headers are a response's headers, the same on every transport: a 503
// says when to try again.
func (r Response) headers() map[string]string {
	h := map[string]string{"Content-Type": "application/json", web.CorrelationIDHeader: r.CorrelationID}
	if r.Status == http.StatusServiceUnavailable {
		h[web.RetryAfterHeader] = web.RetryAfterSeconds
	}
	return h
}

// header finds a header by name; API Gateway v1 keeps the caller's case,
// v2 lower-cases names.
func header(headers map[string]string, name string) string {
	for k, v := range headers {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}
