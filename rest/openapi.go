package rest

import (
	_ "embed"
	"net/http"
	"strconv"
)

// The OpenAPI 3 documents of the two roles, written after the original's
// and corrected where we fixed its bugs (docs/compatibility.md). A test
// checks real answers of every route against them.
var (
	//go:embed openapi/customers.json
	customersDocument []byte
	//go:embed openapi/orders.json
	ordersDocument []byte
)

// serveDocument answers GET /openapi.json. It needs no credentials: it
// describes the API, not its data.
func serveDocument(doc []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Content-Length", strconv.Itoa(len(doc)))
		_, _ = w.Write(doc)
	}
}
