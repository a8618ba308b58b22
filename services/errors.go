// Package services holds what every domain service shares: the error
// vocabulary, the calling principal and the page type. The domain services
// live in its sub-packages.
package services

import (
	"errors"
	"fmt"
)

// Kind classifies an error for every transport. Each transport maps Kinds
// to its own statuses in exactly one table.
type Kind uint8

// The error kinds. The zero value is Internal, so an error that was never
// classified is masked rather than shown.
const (
	Internal Kind = iota
	Invalid
	Unauthenticated
	PermissionDenied
	NotFound
	Conflict
	FailedPrecondition
	// Unavailable: the database (or another role the call depends on) did
	// not answer. Retrying later may succeed; nothing was done.
	Unavailable
	// Canceled: the caller went away (its request's context was
	// canceled) before the call finished. Not a fault of the server:
	// transports log it as the caller's doing, never as an error.
	Canceled
)

var kindNames = [...]string{
	Internal:           "internal",
	Invalid:            "invalid",
	Unauthenticated:    "unauthenticated",
	PermissionDenied:   "permission_denied",
	NotFound:           "not_found",
	Conflict:           "conflict",
	FailedPrecondition: "failed_precondition",
	Unavailable:        "unavailable",
	Canceled:           "canceled",
}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// Stable codes for errors that clients tell apart beyond their Kind.
const (
	CodeInvalid             = "invalid"
	CodeUnauthenticated     = "unauthenticated"
	CodePermissionDenied    = "permission_denied"
	CodeNotFound            = "not_found"
	CodeConflict            = "conflict"
	CodeInternal            = "internal"
	CodeInsufficientStock   = "insufficient_stock"
	CodeInvalidTransition   = "invalid_transition"
	CodeCancelWindowExpired = "cancel_window_expired"
	CodeKeyReused           = "idempotency_key_reused"
	CodeEmailTaken          = "email_taken"
	CodeSKUTaken            = "sku_taken"
	CodeUnavailable         = "unavailable"
	CodeBusy                = "busy"
	CodeCanceled            = "canceled"
	// CodeRoleAboveCreator refuses a member or API key given more than
	// its giver may do.
	CodeRoleAboveCreator = "role_above_creator"
	// CodeMemberTaken refuses a member whose email (within the customer)
	// or identity-provider subject (anywhere) a current member has.
	CodeMemberTaken = "member_taken"
	// CodeLocationRequired refuses an order without a location from a
	// member limited to several locations.
	CodeLocationRequired = "location_required"
	// CodePONumberRequired refuses an order without a PO number from a
	// customer that requires one.
	CodePONumberRequired = "po_number_required"
	// CodePONumberTaken refuses a PO number another order of the
	// customer has, when the customer requires them unique.
	CodePONumberTaken = "po_number_taken"
	// CodeSpendingLimitExceeded refuses an order that would take its
	// buyer's spend in the period above the buyer's limit (Conflict).
	CodeSpendingLimitExceeded = "spending_limit_exceeded"
	// CodeCreditLimitExceeded refuses a confirmation that would take the
	// customer's exposure above its credit limit (Conflict).
	CodeCreditLimitExceeded = "credit_limit_exceeded"
	// CodeApprovalExpired refuses a decision on an order whose approval
	// expired (it is canceled by the expiry).
	CodeApprovalExpired = "approval_expired"
	// CodeSelfApproval refuses a decision by the buyer who placed the
	// order, or by an approver who approved an earlier level of it
	// (PermissionDenied).
	CodeSelfApproval = "self_approval"
)

// Error is the one error type the services return. Message is safe to show
// to clients; Err is the cause, for logs only.
type Error struct {
	Kind    Kind
	Code    string
	Message string
	// Field names the input field at fault, for Invalid errors.
	Field string
	Err   error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an error of the given kind and code with a client-safe message.
func Errorf(kind Kind, code, format string, args ...any) *Error {
	return &Error{Kind: kind, Code: code, Message: fmt.Sprintf(format, args...)}
}

// InvalidField returns an Invalid error about one input field.
func InvalidField(field, message string) *Error {
	return &Error{Kind: Invalid, Code: CodeInvalid, Field: field, Message: message}
}

// ErrPermissionDenied answers a principal acting for a customer it may not
// act for, in every domain.
var ErrPermissionDenied = Errorf(PermissionDenied, CodePermissionDenied, "Permission denied")

// NotFoundf returns a NotFound error with a client-safe message.
func NotFoundf(format string, args ...any) *Error {
	return Errorf(NotFound, CodeNotFound, format, args...)
}

// WrapInternal marks err as Internal, keeping it as the cause. Errors that are
// already *Error pass through unchanged. (The domain services classify
// store errors with services/internal/storeerr, which also knows outages.)
func WrapInternal(err error, op string) error {
	if err == nil {
		return nil
	}
	var se *Error
	if errors.As(err, &se) {
		return err
	}
	return &Error{Kind: Internal, Code: CodeInternal, Message: "Internal server error", Err: fmt.Errorf("%s: %w", op, err)}
}

// Busy returns the Conflict error (CodeBusy) of a call that lost to
// concurrent calls on the same rows more often than the retry policy
// allows. Nothing changed, and the same request is worth sending again
// shortly. err is the cause, for the log.
func Busy(err error) *Error {
	return &Error{Kind: Conflict, Code: CodeBusy, Message: "Too many concurrent changes; try again", Err: err}
}

// CanceledBy returns the Canceled error of a call whose caller went away;
// err is what the call met (a context.Canceled, wrapped).
func CanceledBy(err error) *Error {
	return &Error{Kind: Canceled, Code: CodeCanceled, Message: "Request canceled", Err: err}
}

// Outage returns the Unavailable error of a call whose database, or a role
// it asked over the network, did not answer; err is the cause.
func Outage(err error) *Error {
	return &Error{Kind: Unavailable, Code: CodeUnavailable, Message: "Service temporarily unavailable", Err: err}
}

// ErrorOf returns the *Error in err's chain, or an Internal error wrapping err.
func ErrorOf(err error) *Error {
	var se *Error
	if errors.As(err, &se) {
		return se
	}
	return &Error{Kind: Internal, Code: CodeInternal, Message: "Internal server error", Err: err}
}

// KindOf returns the Kind of err; nil has no kind and reports Internal.
func KindOf(err error) Kind { return ErrorOf(err).Kind }
