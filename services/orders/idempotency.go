package orders

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/b2b-orders/platform/ent"
	"github.com/b2b-orders/platform/ent/idempotencykey"
	"github.com/b2b-orders/platform/services"
	"github.com/b2b-orders/platform/services/internal/storeerr"
)

// The operations an idempotency key can guard.
const (
	opConfirm          = "confirm_order"
	opCreateAndConfirm = "create_and_confirm_order"
	opCreateOrder      = "create_order"
	opCancel           = "cancel_order" // only on keys written by the original system
	opApprove          = "approve_order"
	opReject           = "reject_order"
	opPay              = "pay_order"
	targetOrder        = "order"
	keyCompleted       = "completed"
	maxKeyLen          = 255
)

// keyUse is what a key is about to guard: the operation, its target (0
// while the order does not exist yet) and a hash of the whole request.
type keyUse struct {
	op       string
	targetID int
	hash     string
	mismatch string // the error message when the key guards something else
	answer   Status // the status a key of the original system's would record
}

func newKeyUse(op string, targetID int, request string) keyUse {
	sum := sha256.Sum256([]byte(op + "|" + request))
	k := keyUse{op: op, targetID: targetID, hash: hex.EncodeToString(sum[:])}
	k.mismatch = "Idempotency key already used for a different request"
	if op == opConfirm {
		k.mismatch = "Idempotency key already used for different operation"
		k.answer = StatusConfirmed
	}
	return k
}

func checkKeyValue(key string) error {
	if key == "" {
		return services.InvalidField("idempotency_key", services.MsgKeyRequired)
	}
	if utf8.RuneCountInString(key) > maxKeyLen || !utf8.ValidString(key) {
		return services.InvalidField("idempotency_key", "Idempotency key must be at most 255 characters")
	}
	return nil
}

// keyRef is a key as the store holds it: the caller's value in the
// caller's scope. Keys of one scope never meet keys of another, so no
// caller learns, or can take first, the keys another uses.
type keyRef struct{ scope, value string }

// maxScopeLen is the scope column's length.
const maxScopeLen = 64

// keyOf scopes value to p: a customer's token to its customer, so that a
// customer's users share their keys; staff and services each to their
// role and subject (the orchestrator's calls with the service token are
// one caller).
func keyOf(p services.Principal, value string) keyRef {
	if p.IsCustomer() {
		return keyRef{scope: "customer:" + strconv.Itoa(p.CustomerID), value: value}
	}
	scope := string(p.Role) + ":" + p.Subject
	if len(scope) > maxScopeLen {
		sum := sha256.Sum256([]byte(p.Subject))
		scope = string(p.Role) + ":#" + hex.EncodeToString(sum[:16])
	}
	return keyRef{scope: scope, value: value}
}

// storedKey is what lookupKey found of a key.
type storedKey struct {
	live    bool   // present, unexpired and guarding the same use
	expired bool   // present but expired: insertKey must replace it
	scope   string // the row's scope: the caller's, or "" for a key from before scopes
	target  int
}

// lookupKey finds a key, in the caller's scope or else among the keys
// written before keys had scopes (which guard what they guarded for every
// caller until they expire), and, when it is live, the order it guards. It
// is a plain read that takes no locks.
// Errors: Conflict (idempotency_key_reused) when a live key guards
// something other than use.
func (s *Service) lookupKey(ctx context.Context, c *ent.Client, ref keyRef, use keyUse) (storedKey, error) {
	k, err := c.IdempotencyKey.Query().
		Where(idempotencykey.Scope(ref.scope), idempotencykey.KeyValue(ref.value)).
		Only(ctx)
	if ent.IsNotFound(err) && ref.scope != "" {
		live, lerr := s.legacyKeysLive(ctx)
		if lerr != nil {
			return storedKey{}, lerr
		}
		if live {
			k, err = c.IdempotencyKey.Query().
				Where(idempotencykey.Scope(""), idempotencykey.KeyValue(ref.value)).
				Only(ctx)
		}
	}
	if ent.IsNotFound(err) {
		return storedKey{}, nil
	}
	if err != nil {
		return storedKey{}, err
	}
	if !k.ExpiresAt.After(s.stamp()) {
		return storedKey{expired: true, scope: k.Scope}, nil
	}
	if !use.matches(k) {
		return storedKey{}, services.Errorf(services.Conflict, services.CodeKeyReused, "%s", use.mismatch)
	}
	if !strings.EqualFold(k.Status, keyCompleted) {
		return storedKey{}, services.Errorf(services.Conflict, services.CodeKeyReused, "Idempotency key belongs to an operation that did not finish")
	}
	return storedKey{live: true, scope: k.Scope, target: k.TargetID}, nil
}

// matches reports whether the stored key guards the same use. Keys written
// by the original system record no operation or hash; their operation is
// read from the stored response.
func (u keyUse) matches(k *ent.IdempotencyKey) bool {
	if k.TargetType != targetOrder {
		return false
	}
	if u.targetID != 0 && k.TargetID != u.targetID {
		return false
	}
	if k.Operation == nil {
		return legacyOperation(k.ResponseBody) == u.op
	}
	return *k.Operation == u.op && k.RequestHash != nil && *k.RequestHash == u.hash
}

func legacyOperation(body *string) string {
	if body == nil {
		return ""
	}
	var r struct {
		Status string `json:"status"`
	}
	if json.Unmarshal([]byte(*body), &r) != nil {
		return ""
	}
	switch Status(r.Status) {
	case StatusConfirmed:
		return opConfirm
	case StatusCanceled:
		return opCancel
	}
	return ""
}

// insertKey writes the key row once, in ref's scope, complete: what a
// replay needs is the target, and the order itself is the answer. An
// expired row of the same key and scope is replaced; the delete runs only
// then, because on MySQL a delete of an absent key takes a gap lock that
// deadlocks concurrent inserts of other keys. A duplicate insert means a
// concurrent call with the same key committed first: the transaction runs
// again and replays.
func (s *Service) insertKey(ctx context.Context, tx *ent.Tx, ref keyRef, found storedKey, use keyUse, orderID int, status Status) error {
	now := s.stamp()
	if found.expired && found.scope == ref.scope {
		if _, err := tx.IdempotencyKey.Delete().
			Where(idempotencykey.Scope(ref.scope), idempotencykey.KeyValue(ref.value), idempotencykey.ExpiresAtLTE(now)).
			Exec(ctx); err != nil {
			return err
		}
	}
	body, err := json.Marshal(struct {
		Success bool   `json:"success"`
		OrderID int    `json:"orderId"`
		Status  Status `json:"status"`
	}{true, orderID, status})
	if err != nil {
		return err
	}
	err = tx.IdempotencyKey.Create().
		SetScope(ref.scope).
		SetKeyValue(ref.value).
		SetOperation(use.op).
		SetTargetType(targetOrder).
		SetTargetID(orderID).
		SetRequestHash(use.hash).
		SetStatus(keyCompleted).
		SetResponseBody(string(body)).
		SetCreatedAt(now).
		SetExpiresAt(now.Add(s.cfg.KeyTTL)).
		Exec(ctx)
	if isUnique(err) {
		return errRetry
	}
	return err
}

// PurgeExpiredKeys deletes up to batch expired idempotency keys and says
// how many went. Small batches keep each statement's locks short.
// Errors: Internal.
func (s *Service) PurgeExpiredKeys(ctx context.Context, batch int) (int, error) {
	now := s.stamp()
	ids, err := s.db.Client.IdempotencyKey.Query().
		Where(idempotencykey.ExpiresAtLTE(now)).
		Limit(batch).
		IDs(ctx)
	if err != nil || len(ids) == 0 {
		return 0, storeerr.Classify(err, "find expired keys")
	}
	n, err := s.db.Client.IdempotencyKey.Delete().
		Where(idempotencykey.IDIn(ids...), idempotencykey.ExpiresAtLTE(now)).
		Exec(ctx)
	return n, storeerr.Classify(err, "purge expired keys")
}

// String is the canonical form of the request that the key's hash covers.
func (r orderRequest) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "customer=%d", r.customerID)
	for _, l := range r.lines {
		fmt.Fprintf(&b, ";%d*%d", l.ProductID, l.Qty)
	}
	// Written only when set, so that the requests of keys stored before
	// locations and PO numbers existed read the same.
	if r.location != nil {
		fmt.Fprintf(&b, ";location=%d", *r.location)
	}
	if r.poNumber != nil {
		fmt.Fprintf(&b, ";po=%q", *r.poNumber)
	}
	return b.String()
}

// legacyKeys remembers until when keys from before keys had scopes (scope
// "", which the scope migration left) may live. Nothing writes such keys
// any more, so the latest expiry among them, read once, holds for the
// process's life: once it has passed, a new key needs no lookup at all
// (its insert's unique index finds a duplicate in its own scope), and a
// lookup never asks for scope "" again.
type legacyKeys struct {
	mu    sync.Mutex
	read  bool
	until time.Time
}

// legacyKeysLive reports whether a key from before scopes may still live.
// Errors: those of the store (a failed read is tried again next time).
func (s *Service) legacyKeysLive(ctx context.Context) (bool, error) {
	s.legacy.mu.Lock()
	defer s.legacy.mu.Unlock()
	if !s.legacy.read {
		k, err := s.db.Client.IdempotencyKey.Query().
			Where(idempotencykey.Scope("")).
			Order(ent.Desc(idempotencykey.FieldExpiresAt)).
			First(ctx)
		switch {
		case ent.IsNotFound(err):
		case err != nil:
			return false, err
		default:
			s.legacy.until = k.ExpiresAt
		}
		s.legacy.read = true
	}
	return s.stamp().Before(s.legacy.until), nil
}
