package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/b2b-orders/platform/internal/gqlcode"
	"github.com/b2b-orders/platform/internal/web"
)

// The media types of a GraphQL answer (GraphQL over HTTP).
const (
	mediaJSON            = "application/json"
	mediaGraphQLResponse = "application/graphql-response+json"
)

// httpTransport serves GraphQL over HTTP as its specification says, for GET
// and POST: the answer's media type is negotiated from Accept; a request
// that is no GraphQL request is a 4xx; a document that does not parse,
// breaks a limit or fails validation is answered without data, with 200
// under application/json and 400 under application/graphql-response+json.
//
// It parses, measures and validates documents itself, before gqlgen does:
// gqlgen's parser has no token limit by default and its validation runs to
// the end however many errors it finds. A valid document goes into the
// query cache gqlgen reads first, so it is parsed and validated once.
type httpTransport struct {
	limits Limits
	cache  graphql.Cache[*ast.QueryDocument]
	schema *ast.Schema
	// suggest lets validation messages suggest field names.
	suggest bool
	// charge, when set, takes extra from the caller's rate budget; it
	// answers the request and returns false when the budget is spent.
	charge func(w http.ResponseWriter, r *http.Request, cost int) bool
}

var _ graphql.Transport = (*httpTransport)(nil)

func (t *httpTransport) Supports(r *http.Request) bool {
	return (r.Method == http.MethodGet || r.Method == http.MethodPost) && r.Header.Get("Upgrade") == ""
}

func (t *httpTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ctx := r.Context()
	media, ok := negotiate(r.Header.Values("Accept"))
	if !ok {
		writeAnswer(w, mediaJSON, http.StatusNotAcceptable, requestError(gqlcode.BadUserInput,
			"The answer is available as application/json or application/graphql-response+json only"))
		return
	}
	params, status, msg := readParams(r)
	if msg != "" {
		writeAnswer(w, media, status, requestError(gqlcode.BadUserInput, msg))
		return
	}
	// A refused document is answered without data: nothing was executed.
	refused := http.StatusOK
	if media == mediaGraphQLResponse {
		refused = http.StatusBadRequest
	}
	op, errs := t.document(ctx, params)
	if errs != nil {
		writeAnswer(w, media, refused, exec.DispatchError(ctx, errs))
		return
	}
	if r.Method == http.MethodGet && op.Operation != ast.Query {
		w.Header().Set("Allow", http.MethodPost)
		writeAnswer(w, media, http.StatusMethodNotAllowed, requestError(gqlcode.BadUserInput,
			"A GET request may only run a query: send mutations with POST"))
		return
	}
	// A subscription here would hold its turn among the operations in
	// flight until its first event, or until the request times out.
	if op.Operation == ast.Subscription {
		writeAnswer(w, media, http.StatusBadRequest, requestError(gqlcode.BadUserInput,
			"A subscription needs a stream: send it with Accept: text/event-stream, or over a WebSocket"))
		return
	}
	opCtx, errs := exec.CreateOperationContext(ctx, params)
	if errs != nil {
		reshapeVariableErrors(errs)
		writeAnswer(w, media, refused, exec.DispatchError(graphql.WithOperationContext(ctx, opCtx), errs))
		return
	}
	if t.charge != nil {
		if n := rootFields(opCtx); n > 1 && !t.charge(w, r, n-1) {
			return
		}
	}
	responses, ctx := exec.DispatchOperation(ctx, opCtx)
	writeAnswer(w, media, http.StatusOK, responses(ctx))
}

// document returns the operation params asks for, from the query cache or
// parsed, measured and validated within t.limits.
func (t *httpTransport) document(ctx context.Context, params *graphql.RawParams) (*ast.OperationDefinition, gqlerror.List) {
	doc, ok := t.cache.Get(ctx, params.Query)
	if !ok {
		var err *gqlerror.Error
		if doc, err = t.limits.parse(params.Query); err != nil {
			return nil, gqlerror.List{err}
		}
		if err := t.limits.check(doc); err != nil {
			return nil, gqlerror.List{err}
		}
		if errs := t.limits.validate(t.schema, doc, t.suggest); len(errs) > 0 {
			return nil, errs
		}
		t.cache.Add(ctx, params.Query, doc)
	}
	if params.OperationName == "" {
		if len(doc.Operations) != 1 {
			return nil, gqlerror.List{codedError(gqlcode.OperationResolution,
				"The document has "+itoa(len(doc.Operations))+" operations: name the one to run in operationName")}
		}
		return doc.Operations[0], nil
	}
	op := doc.Operations.ForName(params.OperationName)
	if op == nil {
		return nil, gqlerror.List{codedError(gqlcode.OperationResolution,
			"The document has no operation named "+strconv.Quote(truncate(params.OperationName, 64)))}
	}
	return op, nil
}

// reshapeVariableErrors gives the errors of variables that do not coerce
// (gqlgen's GRAPHQL_VALIDATION_FAILED at path ["variable", name, …]) the
// shape federation gateways give them: BAD_USER_INPUT, no path, the
// variable named in the message.
func reshapeVariableErrors(errs gqlerror.List) {
	for _, e := range errs {
		if len(e.Path) < 2 || e.Path[0] != ast.PathName("variable") {
			continue
		}
		var where strings.Builder
		for i, p := range e.Path[1:] {
			switch p := p.(type) {
			case ast.PathName:
				if i > 0 {
					where.WriteByte('.')
				}
				where.WriteString(string(p))
			case ast.PathIndex:
				where.WriteString("[" + strconv.Itoa(int(p)) + "]")
			}
		}
		e.Message = "Variable \"$" + where.String() + "\": " + e.Message
		e.Path = nil
		e.Extensions = map[string]any{"code": gqlcode.BadUserInput}
	}
}

// rootFields counts the root fields an operation executes (the same
// response name twice executes once); __typename is free.
func rootFields(opCtx *graphql.OperationContext) int {
	n := 0
	for _, f := range graphql.CollectFields(opCtx, opCtx.Operation.SelectionSet, nil) {
		if f.Name != "__typename" {
			n++
		}
	}
	return n
}

// negotiate picks the answer's media type from the Accept headers: the
// one with the highest q, the first listed on a tie; */* and application/*
// mean application/json, as does no Accept at all.
func negotiate(accepts []string) (string, bool) {
	best, bestQ, listed := "", 0.0, false
	for _, header := range accepts {
		for part := range strings.SplitSeq(header, ",") {
			if strings.TrimSpace(part) == "" {
				continue
			}
			listed = true
			mt, params, err := mime.ParseMediaType(part)
			if err != nil {
				continue
			}
			q := 1.0
			if s, ok := params["q"]; ok {
				if q, err = strconv.ParseFloat(s, 64); err != nil {
					continue
				}
			}
			var media string
			switch mt {
			case mediaGraphQLResponse:
				media = mediaGraphQLResponse
			case mediaJSON, "application/*", "*/*":
				media = mediaJSON
			default:
				continue
			}
			if q > bestQ {
				best, bestQ = media, q
			}
		}
	}
	if !listed {
		return mediaJSON, true
	}
	return best, best != ""
}

// readParams reads the GraphQL request of r: from the query string of a
// GET, from the JSON body of a POST. A request that is none is answered
// with status and msg, which never quote the request.
func readParams(r *http.Request) (params *graphql.RawParams, status int, msg string) {
	params = &graphql.RawParams{Headers: r.Header, ReadTime: graphql.TraceTiming{Start: graphql.Now()}}
	defer func() { params.ReadTime.End = graphql.Now() }()
	if r.Method == http.MethodGet {
		return params, http.StatusBadRequest, readQueryString(r.URL.RawQuery, params)
	}
	mt, mtParams, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != mediaJSON {
		return params, http.StatusUnsupportedMediaType, web.MsgNotJSON
	}
	if cs, ok := mtParams["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return params, http.StatusUnsupportedMediaType, "The request body must be encoded in UTF-8"
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return params, http.StatusBadRequest, "Could not read the request body"
	}
	return params, http.StatusBadRequest, readBody(body, params)
}

// readBody decodes a POST body: one JSON object with a string query and
// optional operationName (string), variables and extensions (objects).
func readBody(body []byte, params *graphql.RawParams) string {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	switch {
	case len(trimmed) == 0:
		return "The request body is empty: send a JSON object with a query"
	case trimmed[0] == '[':
		return "Batched operations are not supported: send one operation per request"
	case trimmed[0] != '{':
		return "The request body must be a JSON object"
	}
	var raw struct {
		Query         json.RawMessage `json:"query"`
		OperationName json.RawMessage `json:"operationName"`
		Variables     json.RawMessage `json:"variables"`
		Extensions    json.RawMessage `json:"extensions"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&raw); err != nil {
		return "The request body is not valid JSON"
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return "The request body is not valid JSON: it holds more than one value"
	}
	if msg := decodeString(raw.Query, "query", true, &params.Query); msg != "" {
		return msg
	}
	if msg := decodeString(raw.OperationName, "operationName", false, &params.OperationName); msg != "" {
		return msg
	}
	if msg := decodeObject(raw.Variables, "variables", &params.Variables); msg != "" {
		return msg
	}
	return decodeObject(raw.Extensions, "extensions", &params.Extensions)
}

// readQueryString decodes a GET request's parameters; variables and
// extensions are JSON objects in strings.
func readQueryString(rawQuery string, params *graphql.RawParams) string {
	values, err := url.ParseQuery(rawQuery)
	if err != nil {
		return "The query string could not be decoded"
	}
	for name, vs := range values {
		if len(vs) > 1 {
			return "The query parameter " + strconv.Quote(truncate(name, 64)) + " is repeated"
		}
	}
	if !values.Has("query") || values.Get("query") == "" {
		return "A query is required"
	}
	params.Query = values.Get("query")
	params.OperationName = values.Get("operationName")
	if v := values.Get("variables"); v != "" {
		if msg := decodeObject(json.RawMessage(v), "variables", &params.Variables); msg != "" {
			return msg
		}
	}
	if v := values.Get("extensions"); v != "" {
		return decodeObject(json.RawMessage(v), "extensions", &params.Extensions)
	}
	return ""
}

func decodeString(raw json.RawMessage, name string, required bool, dst *string) string {
	if len(raw) == 0 || string(raw) == "null" {
		if required {
			return "A " + name + " is required"
		}
		return ""
	}
	if raw[0] != '"' || json.Unmarshal(raw, dst) != nil {
		return name + " must be a string"
	}
	if required && *dst == "" {
		return "A " + name + " is required"
	}
	return ""
}

// decodeObject decodes a JSON object, numbers kept as json.Number for
// gqlgen's coercion; absent or null leaves dst nil.
func decodeObject(raw json.RawMessage, name string, dst *map[string]any) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	if raw[0] != '{' {
		return name + " must be a JSON object"
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(dst); err != nil {
		return name + " must be a JSON object"
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return name + " must be a JSON object"
	}
	return ""
}

// answer is a GraphQL response as it goes on the wire: data absent, not
// null, when nothing was executed.
type answer struct {
	Errors     gqlerror.List   `json:"errors,omitempty"`
	Data       json.RawMessage `json:"data,omitempty"`
	Extensions map[string]any  `json:"extensions,omitempty"`
}

func requestError(code, msg string) *graphql.Response {
	return &graphql.Response{Errors: gqlerror.List{codedError(code, msg)}}
}

// writeAnswer writes resp as media with status.
func writeAnswer(w http.ResponseWriter, media string, status int, resp *graphql.Response) {
	b, err := json.Marshal(answer{Errors: resp.Errors, Data: resp.Data, Extensions: resp.Extensions})
	if err != nil {
		// Data is JSON gqlgen wrote; errors and extensions are ours.
		status = http.StatusInternalServerError
		b, _ = json.Marshal(answer{Errors: gqlerror.List{codedError(gqlcode.Internal, "Internal server error")}})
	}
	w.Header().Set("Content-Type", media+"; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
