package model

import (
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/b2b-orders/platform/services"
)

// Page sizes of connections.
const (
	DefaultFirst = 20
	MaxFirst     = 100
)

// First returns the page size asked for: DefaultFirst when first is nil,
// at most MaxFirst.
// Errors: Invalid (field "first") when first is below 1.
func First(first *int) (int, error) {
	switch {
	case first == nil:
		return DefaultFirst, nil
	case *first < 1:
		return 0, services.InvalidField("first", "first must be at least 1")
	case *first > MaxFirst:
		return MaxFirst, nil
	}
	return *first, nil
}

// Cursors are opaque to clients: base64 of "<kind>:<id>". The kind stops a
// cursor of one list from being used in another, where the id would mean
// something else.
const (
	CursorCustomer = "customer"
	CursorProduct  = "product"
	CursorOrder    = "order"
)

// Cursor returns the opaque cursor of the row with the given id.
func Cursor(kind string, id int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(kind + ":" + strconv.Itoa(id)))
}

// After returns the id a cursor of the given kind stands for; nil means 0,
// the start of the list.
// Errors: Invalid (field "after") for a cursor that is not one of ours.
func After(kind string, after *string) (int, error) {
	if after == nil {
		return 0, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(*after)
	if err == nil {
		if rest, ok := strings.CutPrefix(string(raw), kind+":"); ok {
			if id, err := strconv.Atoi(rest); err == nil && id > 0 {
				return id, nil
			}
		}
	}
	return 0, services.InvalidField("after", "Invalid cursor")
}

// Connection builds a page of a connection: one edge per item, its cursor
// from the item's id.
func Connection[T, E any](kind string, items []T, hasMore bool, id func(T) int, edge func(cursor string, node T) E) ([]E, *PageInfo) {
	edges := make([]E, len(items))
	info := &PageInfo{HasNextPage: hasMore}
	for i, it := range items {
		c := Cursor(kind, id(it))
		edges[i] = edge(c, it)
		if i == 0 {
			info.StartCursor = &c
		}
		if i == len(items)-1 {
			info.EndCursor = &c
		}
	}
	return edges, info
}

// Estimated list sizes for the complexity limit.
const (
	// ItemsPerOrder is what an order's item list counts for; orders may
	// hold up to 100 lines, but few do.
	ItemsPerOrder = 10
)

// PageSize is what a connection's page counts for in the complexity
// limit: the page size it will have, 1 when first is invalid (the query
// fails anyway).
func PageSize(first *int) int {
	n, err := First(first)
	if err != nil {
		return 1
	}
	return n
}
