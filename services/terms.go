package services

import (
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// PaymentTerms are when an order is due: "NET_<days>" (days after the
// order is confirmed, 1 to MaxNetDays) or "DUE_ON_RECEIPT" (when it is
// confirmed). A customer's terms are copied onto each order it places.
type PaymentTerms string

// DueOnReceipt is the terms of an order due when it is confirmed.
const DueOnReceipt PaymentTerms = "DUE_ON_RECEIPT"

// MaxNetDays bounds NET_<days>: a year.
const MaxNetDays = 365

// ParsePaymentTerms returns the terms s names.
// Errors: Invalid for anything but NET_1 … NET_365 and DUE_ON_RECEIPT.
func ParsePaymentTerms(s string) (PaymentTerms, error) {
	if t := PaymentTerms(s); t == DueOnReceipt {
		return t, nil
	}
	if days, ok := strings.CutPrefix(s, "NET_"); ok {
		if n, err := strconv.Atoi(days); err == nil && n >= 1 && n <= MaxNetDays && strconv.Itoa(n) == days {
			return PaymentTerms(s), nil
		}
	}
	return "", InvalidField("payment_terms", "payment_terms must be NET_<days> (1 to 365) or DUE_ON_RECEIPT")
}

// DueAt is when an order under these terms, confirmed at confirmed, is due.
// Terms not written by ParsePaymentTerms count as due on receipt.
func (t PaymentTerms) DueAt(confirmed time.Time) time.Time {
	if days, ok := strings.CutPrefix(string(t), "NET_"); ok {
		if n, err := strconv.Atoi(days); err == nil {
			return confirmed.AddDate(0, 0, n)
		}
	}
	return confirmed
}

// MaxPONumberLen bounds a purchase-order number, in characters.
const MaxPONumberLen = 64

// CheckPONumber trims a purchase-order number and checks it: 1 to 64
// characters, none of them a control character.
// Errors: Invalid (field po_number).
func CheckPONumber(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", InvalidField("po_number", "po_number must not be empty")
	}
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > MaxPONumberLen {
		return "", InvalidField("po_number", "po_number must be at most 64 characters")
	}
	if strings.ContainsFunc(s, unicode.IsControl) {
		return "", InvalidField("po_number", "po_number must not contain control characters")
	}
	return s, nil
}
