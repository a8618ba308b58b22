package orders

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"entgo.io/ent/dialect"

	"github.com/b2b-orders/platform/ent"
	"github.com/b2b-orders/platform/ent/orderevent"
	"github.com/b2b-orders/platform/services"
	"github.com/b2b-orders/platform/services/accounts"
	"github.com/b2b-orders/platform/services/internal/storeerr"
)

// The types of the order events, one per transition of an order's state
// machine (see Status).
const (
	EventCreated           = "order.created"
	EventApprovalRequested = "order.approval_requested"
	EventApproved          = "order.approved"
	EventRejected          = "order.rejected"
	EventConfirmed         = "order.confirmed"
	EventCanceled          = "order.canceled"
	EventPaid              = "order.paid"
)

// EventTypes lists every order event type, in the order of the state
// machine.
var EventTypes = []string{EventCreated, EventApprovalRequested, EventApproved, EventRejected, EventConfirmed, EventCanceled, EventPaid}

// Event is one order event as the outbox holds it and the relay publishes
// it: Payload is its JSON (EventBody).
type Event struct {
	// Row is the outbox row's id: events are published in its order.
	Row     int
	ID      string
	OrderID int
	Seq     int
	Type    string
	Payload []byte
}

// EventBody is an event's JSON: a stable id, the order's sequence number,
// the type, the time, and the order as the REST API shows it.
type EventBody struct {
	ID         string `json:"id"`
	Type       string `json:"type"`
	OrderID    int    `json:"order_id"`
	Seq        int    `json:"seq"`
	OccurredAt string `json:"occurred_at"`
	Order      View   `json:"order"`
	// Actor is who made the change: the event stream is the audit log.
	Actor services.Actor `json:"actor"`
	// The order's confirmation and cancellation times, which its View
	// leaves out; absent until they happen.
	ConfirmedAt string `json:"confirmed_at,omitempty"`
	CanceledAt  string `json:"canceled_at,omitempty"`
	// Reason is an approval decision's reason (order.approved,
	// order.rejected), when the approver gave one.
	Reason string `json:"reason,omitempty"`
}

// View is an order as clients read it: GET /api/v1/orders/{id} answers
// it (rest), and every event carries it.
type View struct {
	ID         int        `json:"id"`
	CustomerID int        `json:"customer_id"`
	Status     string     `json:"status"`
	TotalCents int64      `json:"total_cents"`
	CreatedAt  string     `json:"created_at"`
	Items      []ViewItem `json:"items"`
	// The location, its address as placed, and who placed the order:
	// absent on orders that have none, as every order had before.
	LocationID *int              `json:"location_id,omitempty"`
	ShipTo     *accounts.Address `json:"ship_to,omitempty"`
	PlacedBy   *services.Actor   `json:"placed_by,omitempty"`
	// The PO number, the payment terms and, once confirmed, the due
	// date: absent on orders without them.
	PONumber     *string                `json:"po_number,omitempty"`
	PaymentTerms *services.PaymentTerms `json:"payment_terms,omitempty"`
	DueAt        string                 `json:"due_at,omitempty"`
	// PaidAt is when staff recorded the payment of a confirmed order.
	PaidAt string `json:"paid_at,omitempty"`
	// Approval is the approval an order placed PENDING_APPROVAL asked
	// for: absent on orders that needed none.
	Approval *ApprovalView `json:"approval,omitempty"`
}

// ApprovalView is the approval an order asked for: the role each level
// asks for, how many levels approved, whether the last approval confirms
// the order, and when it expires unapproved.
type ApprovalView struct {
	Levels            []services.MemberRole `json:"levels"`
	Approved          int                   `json:"approved"`
	ConfirmOnApproval bool                  `json:"confirm_on_approval"`
	ExpiresAt         string                `json:"expires_at"`
}

// ViewItem is an item of a View: an Item with the names clients read.
type ViewItem struct {
	ID             int    `json:"id"`
	OrderID        int    `json:"order_id"`
	ProductID      int    `json:"product_id"`
	Qty            int64  `json:"qty"`
	UnitPriceCents int64  `json:"unit_price_cents"`
	SubtotalCents  int64  `json:"subtotal_cents"`
	ProductName    string `json:"product_name"`
	ProductSKU     string `json:"product_sku"`
	// The price list and break that gave the unit price: absent for the
	// product's own price, as on every order before price lists.
	PriceListID *int   `json:"price_list_id,omitempty"`
	PriceMinQty *int64 `json:"price_min_qty,omitempty"`
}

// restTime is the contract's time format: RFC 3339, UTC, milliseconds.
func restTime(t time.Time) string { return t.UTC().Format(services.TimeLayout) }

// View is o as clients read it.
func (o Order) View() View {
	v := View{ID: o.ID, CustomerID: o.CustomerID, Status: string(o.Status), TotalCents: o.TotalCents,
		CreatedAt: restTime(o.CreatedAt), Items: make([]ViewItem, len(o.Items)),
		LocationID: o.LocationID, ShipTo: o.ShipTo, PlacedBy: o.PlacedBy, PONumber: o.PONumber, PaymentTerms: o.PaymentTerms}
	if due := o.DueAt(); due != nil {
		v.DueAt = restTime(*due)
	}
	if o.PaidAt != nil {
		v.PaidAt = restTime(*o.PaidAt)
	}
	if len(o.ApprovalRoles) > 0 {
		v.Approval = &ApprovalView{Levels: o.ApprovalRoles, Approved: o.Approvals, ConfirmOnApproval: o.ConfirmOnApproval}
		if o.ApprovalExpiresAt != nil {
			v.Approval.ExpiresAt = restTime(*o.ApprovalExpiresAt)
		}
	}
	for i, it := range o.Items {
		v.Items[i] = ViewItem(it)
		v.Items[i].OrderID = o.ID
	}
	return v
}

// newEventID is a UUID version 7 (RFC 9562): time-ordered and random.
func newEventID(at time.Time) string {
	var b [16]byte
	_, _ = rand.Read(b[6:]) // never fails, see crypto/rand.Read
	ms := uint64(at.UnixMilli())
	binary.BigEndian.PutUint16(b[0:2], uint16(ms>>32))
	binary.BigEndian.PutUint32(b[2:6], uint32(ms))
	b[6] = b[6]&0x0f | 0x70
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// writeEvents writes, in tx, one outbox row for each event of a change
// of o, numbered on from o's last (which it advances), with the actor and
// the decision's reason, if any. One statement, however many rows.
func writeEvents(ctx context.Context, tx *ent.Tx, o *Order, at time.Time, by services.Actor, reason string, types ...string) error {
	view := o.View()
	rows := make([]*ent.OrderEventCreate, len(types))
	for i, typ := range types {
		o.seq++
		body := EventBody{ID: newEventID(at), Type: typ, OrderID: o.ID, Seq: o.seq, OccurredAt: restTime(at), Order: view, Actor: by}
		if o.ConfirmedAt != nil {
			body.ConfirmedAt = restTime(*o.ConfirmedAt)
		}
		if o.CanceledAt != nil {
			body.CanceledAt = restTime(*o.CanceledAt)
		}
		if typ == EventApproved || typ == EventRejected {
			body.Reason = reason
		}
		payload, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rows[i] = tx.OrderEvent.Create().SetEventID(body.ID).SetOrderID(o.ID).SetSeq(body.Seq).SetType(typ).
			SetOccurredAt(at).SetPayload(string(payload))
	}
	return tx.OrderEvent.CreateBulk(rows...).Exec(ctx)
}

// RelayEvents hands the oldest unpublished events, at most batch of them
// in outbox order, to publish, and marks published the first n it
// reports published; it returns n. On MySQL the events' rows stay locked
// until then (FOR UPDATE, read committed so that no gap is locked and
// writers never wait), so concurrent relays, in one process or several,
// take turns: every committed event is handed on once, in order, and
// marked once. On SQLite, whose transactions lock the whole database, the
// rows are read and marked in two short steps, so that a slow publish
// never holds writers up; one process relays an embedded store. A relay
// that dies between publishing and marking hands the same events on again
// (at least once; the event id deduplicates them downstream).
// Config.Relayed runs in the marking transaction (the webhook fan-out);
// its error rolls the mark back, and the events are handed on again.
// Errors: publish's (nothing is marked past n); Unavailable; Internal.
func (s *Service) RelayEvents(ctx context.Context, batch int, publish func(context.Context, []Event) (int, error)) (int, error) {
	var n int
	var perr error
	relay := func(c *ent.Client, lock bool, mark func(ids []int, evs []Event) error) error {
		q := c.OrderEvent.Query().Where(orderevent.PublishedAtIsNil()).Order(ent.Asc(orderevent.FieldID)).Limit(batch)
		if lock {
			q = q.ForUpdate()
		}
		rows, err := q.All(ctx)
		if err != nil || len(rows) == 0 {
			return err
		}
		events := make([]Event, len(rows))
		for i, r := range rows {
			events[i] = Event{Row: r.ID, ID: r.EventID, OrderID: r.OrderID, Seq: r.Seq, Type: r.Type, Payload: []byte(r.Payload)}
		}
		n, perr = publish(ctx, events)
		n = min(max(n, 0), len(events))
		if n == 0 {
			return nil
		}
		ids := make([]int, n)
		for i := range n {
			ids[i] = events[i].Row
		}
		return mark(ids, events[:n])
	}
	// markIn marks the events published in tx and tells Config.Relayed,
	// in the same transaction, so that what it writes commits exactly
	// when the mark does.
	markIn := func(tx *ent.Tx) func([]int, []Event) error {
		return func(ids []int, evs []Event) error {
			if err := tx.OrderEvent.Update().Where(orderevent.IDIn(ids...)).SetPublishedAt(s.stamp()).Exec(ctx); err != nil {
				return err
			}
			if s.cfg.Relayed != nil {
				return s.cfg.Relayed(ctx, tx, evs)
			}
			return nil
		}
	}
	var err error
	if s.db.Dialect == dialect.MySQL {
		err = s.db.WithTxOptions(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted}, func(tx *ent.Tx) error {
			return relay(tx.Client(), true, markIn(tx))
		})
	} else {
		// One relay at a time in the process, which has the store alone.
		s.relayMu.Lock()
		defer s.relayMu.Unlock()
		err = relay(s.db.Client, false, func(ids []int, evs []Event) error {
			return s.db.WithTx(ctx, func(tx *ent.Tx) error { return markIn(tx)(ids, evs) })
		})
	}
	if err != nil {
		return 0, storeerr.Classify(err, "relay events")
	}
	return n, perr
}

// OrderAt is the order an event carries, as it was when the event was
// written.
// Errors: an event whose JSON is not an EventBody's.
func (b EventBody) OrderAt() (Order, error) {
	parse := func(s string) (*time.Time, error) {
		if s == "" {
			return nil, nil
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		return &t, err
	}
	created, err := parse(b.Order.CreatedAt)
	if err != nil || created == nil {
		return Order{}, fmt.Errorf("event %s: created_at %q", b.ID, b.Order.CreatedAt)
	}
	confirmed, err := parse(b.ConfirmedAt)
	if err != nil {
		return Order{}, fmt.Errorf("event %s: confirmed_at: %w", b.ID, err)
	}
	canceled, err := parse(b.CanceledAt)
	if err != nil {
		return Order{}, fmt.Errorf("event %s: canceled_at: %w", b.ID, err)
	}
	o := Order{ID: b.Order.ID, CustomerID: b.Order.CustomerID, Status: Status(b.Order.Status), TotalCents: b.Order.TotalCents,
		CreatedAt: *created, ConfirmedAt: confirmed, CanceledAt: canceled, Items: make([]Item, len(b.Order.Items))}
	for i, it := range b.Order.Items {
		o.Items[i] = Item(it)
	}
	return o, nil
}

// OutboxLag reports how many committed events wait to be published, and
// when the oldest of them was written (zero when none waits).
// Errors: Unavailable; Internal.
func (s *Service) OutboxLag(ctx context.Context) (int, time.Time, error) {
	q := s.db.Client.OrderEvent.Query().Where(orderevent.PublishedAtIsNil())
	n, err := q.Clone().Count(ctx)
	if err != nil || n == 0 {
		return 0, time.Time{}, storeerr.Classify(err, "outbox lag")
	}
	oldest, err := q.Order(ent.Asc(orderevent.FieldID)).First(ctx)
	if err != nil {
		return 0, time.Time{}, storeerr.Classify(err, "outbox lag")
	}
	return n, oldest.OccurredAt, nil
}
