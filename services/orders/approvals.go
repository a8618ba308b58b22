package orders

import (
	"context"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/b2b-orders/platform/ent"
	"github.com/b2b-orders/platform/ent/apikey"
	"github.com/b2b-orders/platform/ent/order"
	"github.com/b2b-orders/platform/ent/orderapproval"
	"github.com/b2b-orders/platform/services"
	"github.com/b2b-orders/platform/services/internal/storeerr"
)

// Decision is one approval decision on an order.
type Decision struct {
	OrderID  int
	Level    int
	Approved bool
	By       services.Actor
	Reason   *string
	At       time.Time
}

// MaxReasonLen bounds a decision's reason, in characters.
const MaxReasonLen = 500

// ApproveOrder approves the next level of an order pending approval, under
// an idempotency key; the last level moves it to CREATED, or to CONFIRMED
// (taking its credit) when it was placed through create-and-confirm. The
// same key again answers with the order as it is and changes nothing.
// Errors: Unauthenticated; Invalid (ids, key, a reason too long or with
// control characters); NotFound, also for another customer's order;
// PermissionDenied for a caller that may not approve this level (not a
// member of the order's customer, or below the level's role), and with
// code self_approval for the order's buyer or an approver of an earlier
// level; FailedPrecondition (invalid_transition when the order is not
// pending approval, approval_expired); Conflict (idempotency_key_reused,
// credit_limit_exceeded).
func (s *Service) ApproveOrder(ctx context.Context, id int, key string, reason *string) (Order, error) {
	return s.decide(ctx, id, key, reason, true)
}

// RejectOrder rejects an order pending approval, under an idempotency
// key: it is canceled and gives back its stock and its buyer's spend.
// Errors: those of ApproveOrder, but credit_limit_exceeded.
func (s *Service) RejectOrder(ctx context.Context, id int, key string, reason *string) (Order, error) {
	return s.decide(ctx, id, key, reason, false)
}

func (s *Service) decide(ctx context.Context, id int, key string, reason *string, approve bool) (Order, error) {
	why, err := checkReason(reason)
	if err != nil {
		return Order{}, err
	}
	op := opReject
	if approve {
		op = opApprove
	}
	use := newKeyUse(op, id, strconv.Itoa(id)+"|"+why)
	mayReplay := func(p services.Principal, o *Order) bool { return p.CanApprove(o.CustomerID, "") }
	return s.changeUnderKey(ctx, id, key, use, mayReplay, func(ctx context.Context, tx *ent.Tx, p services.Principal, o *Order, done *effect) error {
		// Who may decide first: a caller who may not decide learns
		// nothing of the order's state.
		if !p.CanApprove(o.CustomerID, o.NextApprovalRole()) {
			return services.ErrPermissionDenied
		}
		now := s.stamp()
		if err := o.decidable(now); err != nil {
			return err
		}
		if err := notOwnDecision(ctx, tx, p, o); err != nil {
			return err
		}
		by := p.Actor()
		level := o.Approvals + 1
		var events []string
		if approve {
			events, err = o.Approve(now, by)
		} else {
			events, err = o.Reject(now, by)
		}
		if err != nil {
			return err
		}
		row := tx.OrderApproval.Create().SetOrderID(o.ID).SetLevel(level).SetDecision(decisionName(approve)).
			SetActor(by.String()).SetCreatedAt(now)
		if why != "" {
			row.SetReason(why)
		}
		if err := row.Exec(ctx); err != nil {
			if isUnique(err) {
				return errRetry // decided concurrently: read it again
			}
			return err
		}
		if !approve {
			done.canceled = true
			return s.cancelled(ctx, tx, o, StatusPendingApproval, now, by, why, events...)
		}
		if err := s.transition(ctx, tx, o, now, by, why, events...); err != nil {
			return err
		}
		if o.Status != StatusConfirmed {
			return nil
		}
		// After the order's row, as every confirmation locks them.
		done.confirmed = true
		return s.takeCreditFor(ctx, tx, o)
	})
}

func decisionName(approve bool) string {
	if approve {
		return "approved"
	}
	return "rejected"
}

// checkReason trims a decision's reason.
// Errors: Invalid for one too long or with control characters.
func checkReason(reason *string) (string, error) {
	if reason == nil {
		return "", nil
	}
	r := strings.TrimSpace(*reason)
	if utf8.RuneCountInString(r) > MaxReasonLen || !utf8.ValidString(r) || strings.ContainsFunc(r, unicode.IsControl) {
		return "", services.InvalidField("reason", "reason must be at most 500 characters, without control characters")
	}
	return r, nil
}

// notOwnDecision refuses a decision by the order's buyer — the member who
// placed it, itself or through one of its API keys — or by whoever decided
// an earlier level of it.
// Errors: PermissionDenied (self_approval).
func notOwnDecision(ctx context.Context, tx *ent.Tx, p services.Principal, o *Order) error {
	me := p.Actor()
	same := func(a services.Actor) (bool, error) {
		switch {
		case a == me:
			return true, nil
		case p.MemberID == 0:
			return false, nil
		case a.Type == "member":
			return a.ID == strconv.Itoa(p.MemberID), nil
		case a.Type == "api_key":
			id, err := strconv.Atoi(a.ID)
			if err != nil {
				return false, nil
			}
			k, err := tx.APIKey.Query().Where(apikey.ID(id)).Only(ctx)
			if ent.IsNotFound(err) {
				return false, nil
			}
			return err == nil && k.MemberID != nil && *k.MemberID == p.MemberID, err
		}
		return false, nil
	}
	if o.PlacedBy != nil {
		if own, err := same(*o.PlacedBy); err != nil || own {
			if err == nil {
				err = services.Errorf(services.PermissionDenied, services.CodeSelfApproval, "A buyer cannot decide the approval of its own order")
			}
			return err
		}
	}
	if o.Approvals == 0 {
		return nil
	}
	earlier, err := tx.OrderApproval.Query().Where(orderapproval.OrderID(o.ID)).All(ctx)
	if err != nil {
		return err
	}
	for _, d := range earlier {
		a, ok := services.ParseActor(d.Actor)
		if !ok {
			continue
		}
		if own, err := same(a); err != nil || own {
			if err == nil {
				err = services.Errorf(services.PermissionDenied, services.CodeSelfApproval, "Each level must be approved by another approver")
			}
			return err
		}
	}
	return nil
}

// PayOrder records the payment of a CONFIRMED order under an idempotency
// key, giving its total back to the customer's credit; a paid order stays
// as it is. Staff only.
// Errors: Unauthenticated; Invalid (ids, key); NotFound; PermissionDenied
// for a customer principal; FailedPrecondition (invalid_transition for an
// order that is not CONFIRMED); Conflict (idempotency_key_reused).
func (s *Service) PayOrder(ctx context.Context, id int, key string) (Order, error) {
	return s.changeUnderKey(ctx, id, key, newKeyUse(opPay, id, strconv.Itoa(id)),
		func(p services.Principal, _ *Order) bool { return p.CanManageCatalogue() },
		func(ctx context.Context, tx *ent.Tx, p services.Principal, o *Order, done *effect) error {
			if !p.CanManageCatalogue() {
				return services.ErrPermissionDenied
			}
			now := s.stamp()
			changed, err := o.Pay(now, p.Actor())
			if err != nil || !changed {
				return err
			}
			if err := s.transition(ctx, tx, o, now, p.Actor(), "", EventPaid); err != nil {
				return err
			}
			return giveCreditFor(ctx, tx, o)
		})
}

// ExpireApprovals cancels, by the system, up to limit orders whose
// approval expired by now, each in its own transaction, and returns how
// many it canceled. Run it periodically (the runtime does).
// Errors: Unavailable; Internal.
func (s *Service) ExpireApprovals(ctx context.Context, limit int) (int, error) {
	now := s.stamp()
	ids, err := s.db.Client.Order.Query().
		Where(order.StatusEQ(order.StatusPENDING_APPROVAL), order.ApprovalExpiresAtLTE(now)).
		Order(ent.Asc(order.FieldID)).Limit(limit).IDs(ctx)
	if err != nil {
		return 0, storeerr.Classify(err, "expire approvals")
	}
	n := 0
	for _, id := range ids {
		changed := false
		err := s.inTx(ctx, func(tx *ent.Tx) error {
			changed = false
			o, err := readOrder(ctx, tx.Client(), services.ServicePrincipal, id)
			if err != nil {
				return err
			}
			if !o.Expire(now) {
				return nil
			}
			changed = true
			return s.cancelled(ctx, tx, &o, StatusPendingApproval, now, services.SystemActor, "", EventCanceled)
		})
		if err != nil {
			return n, err
		}
		if changed {
			n++
			s.report(effect{canceled: true}, nil)
		}
	}
	return n, nil
}

// Decisions returns the approval decisions on the orders ids, by order, in
// level order, as the caller may see them.
// Errors: Unauthenticated; Unavailable; Internal.
func (s *Service) Decisions(ctx context.Context, ids []int) (map[int][]Decision, error) {
	p, err := services.PrincipalFrom(ctx)
	if err != nil {
		return nil, err
	}
	visibleIDs, err := s.db.Client.Order.Query().Where(append(visible(p), order.IDIn(ids...))...).IDs(ctx)
	if err != nil {
		return nil, storeerr.Classify(err, "read decisions")
	}
	rows, err := s.db.Client.OrderApproval.Query().Where(orderapproval.OrderIDIn(visibleIDs...)).
		Order(ent.Asc(orderapproval.FieldOrderID), ent.Asc(orderapproval.FieldLevel)).All(ctx)
	if err != nil {
		return nil, storeerr.Classify(err, "read decisions")
	}
	out := make(map[int][]Decision, len(visibleIDs))
	for _, r := range rows {
		a, _ := services.ParseActor(r.Actor)
		out[r.OrderID] = append(out[r.OrderID], Decision{OrderID: r.OrderID, Level: r.Level, Approved: r.Decision == "approved",
			By: a, Reason: r.Reason, At: r.CreatedAt.UTC()})
	}
	return out, nil
}
