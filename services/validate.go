package services

import (
	"strings"
	"unicode/utf8"
)

// The contract's messages for invalid ids and order lines, defined once:
// the services give them, and so do the transports that refuse a request
// before it reaches a service (REST's path ids, the orchestrator, which
// checks its body field by field in the contract's order before calling
// the graph).
const (
	MsgInvalidCustomerID = "Invalid customer ID"
	MsgInvalidProductID  = "Invalid product ID"
	MsgInvalidOrderID    = "Invalid order ID"
	MsgNoItems           = "At least one item is required"
	MsgQuantityBelowOne  = "Quantity must be at least 1"
	MsgKeyRequired       = "Idempotency key is required"
)

// The contract's wire forms, defined once for every transport and for
// the services that shape what clients read (the outbox's order views).
const (
	// MaxContractInt and MinContractInt bound every integer the contract
	// carries, ids, amounts and totals alike: GraphQL's Int is a signed
	// 32-bit integer, and a value that could be written through REST but
	// not read through the graph would break the graph's clients.
	// Messages that quote a bound format it from these.
	MaxContractInt = 1<<31 - 1
	MinContractInt = -1 << 31
	// TimeLayout is the contract's time format: RFC 3339 in UTC with
	// milliseconds, as the original's Date.toISOString() wrote it. Format
	// UTC times with it; the Z is a literal, not a zone.
	TimeLayout = "2006-01-02T15:04:05.000Z"
)

// MaxSearchLen is the longest search string a list accepts.
const MaxSearchLen = 255

// CheckLen returns an Invalid error for field when s is empty (and required)
// or longer than max characters. Lengths count characters, as the columns do.
func CheckLen(field, s string, max int, required bool, emptyMsg, longMsg string) error {
	if s == "" {
		if required {
			return InvalidField(field, emptyMsg)
		}
		return nil
	}
	if utf8.RuneCountInString(s) > max {
		return InvalidField(field, longMsg)
	}
	if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
		return InvalidField(field, "Invalid characters in "+field)
	}
	return nil
}

// CheckSearch rejects a search string longer than MaxSearchLen.
func CheckSearch(s string) error {
	if utf8.RuneCountInString(s) > MaxSearchLen {
		return InvalidField("search", "Invalid query parameters")
	}
	return nil
}

// ValidEmail reports whether s looks like an address a customer can be
// reached at: a local part of letters, digits and _'+-. that does not start
// with a dot or hold "..", an @, and a domain of dotted labels ending in a
// two-or-more letter top-level label.
func ValidEmail(s string) bool {
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 {
		return false
	}
	local, domain := s[:at], s[at+1:]
	if local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, "..") {
		return false
	}
	for _, r := range local {
		if !isAlnum(r) && !strings.ContainsRune("_'+-.", r) {
			return false
		}
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return false
	}
	for i, l := range labels {
		if l == "" || l[0] == '-' {
			return false
		}
		last := i == len(labels)-1
		for _, r := range l {
			if last && !isLetter(r) {
				return false
			}
			if !isAlnum(r) && r != '-' {
				return false
			}
		}
		if last && len(l) < 2 {
			return false
		}
	}
	return true
}

func isLetter(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' }
func isAlnum(r rune) bool  { return isLetter(r) || r >= '0' && r <= '9' }
