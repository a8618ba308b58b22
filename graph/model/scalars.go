package model

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/b2b-orders/platform/services"
)

// MarshalID writes an id as the GraphQL ID string "42".
func MarshalID(id int) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, strconv.Quote(strconv.Itoa(id)))
	})
}

// UnmarshalID reads an ID, given as a string ("42") or, as federation
// representations and some clients send it, a number.
// Errors: Invalid for anything that is not a positive integer.
func UnmarshalID(v any) (int, error) {
	var s string
	switch v := v.(type) {
	case string:
		s = v
	case json.Number:
		s = v.String()
	case int:
		s = strconv.Itoa(v)
	case int64:
		s = strconv.FormatInt(v, 10)
	default:
		return 0, invalidID()
	}
	id, err := strconv.Atoi(s)
	if err != nil || id < 1 {
		return 0, services.InvalidField("id", "Invalid ID: "+strconv.Quote(s))
	}
	return id, nil
}

// invalidID answers an ID that is neither a string nor a number; the
// message does not quote it, since it may be any JSON value.
func invalidID() error { return services.InvalidField("id", "Invalid ID") }

// dateTimeLayout is RFC 3339 in UTC with milliseconds, as the REST
// routes write timestamps.
const dateTimeLayout = "2006-01-02T15:04:05.000Z07:00"

// MarshalDateTime writes t in UTC with milliseconds.
func MarshalDateTime(t time.Time) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, strconv.Quote(t.UTC().Format(dateTimeLayout)))
	})
}

// UnmarshalDateTime reads an RFC 3339 timestamp.
// Errors: Invalid for anything else.
func UnmarshalDateTime(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, services.InvalidField("", "DateTime must be an RFC 3339 string")
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, services.InvalidField("", "Invalid DateTime: "+strconv.Quote(s))
	}
	return t.UTC(), nil
}

// OrderStatus is an order's state.
type OrderStatus string

// The order states.
const (
	OrderStatusPendingApproval OrderStatus = "PENDING_APPROVAL"
	OrderStatusCreated         OrderStatus = "CREATED"
	OrderStatusConfirmed       OrderStatus = "CONFIRMED"
	OrderStatusCanceled        OrderStatus = "CANCELED"
)

// MarshalGQL writes the enum value.
func (s OrderStatus) MarshalGQL(w io.Writer) {
	_, _ = io.WriteString(w, strconv.Quote(string(s)))
}

// UnmarshalGQL reads an enum value.
// Errors: Invalid for anything but the four states.
func (s *OrderStatus) UnmarshalGQL(v any) error {
	str, _ := v.(string)
	switch st := OrderStatus(str); st {
	case OrderStatusPendingApproval, OrderStatusCreated, OrderStatusConfirmed, OrderStatusCanceled:
		*s = st
		return nil
	}
	return services.InvalidField("status", fmt.Sprintf("Invalid order status: %v", v))
}
