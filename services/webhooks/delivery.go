package webhooks

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/b2b-orders/platform/ent"
	"github.com/b2b-orders/platform/ent/orderevent"
	"github.com/b2b-orders/platform/ent/predicate"
	"github.com/b2b-orders/platform/ent/webhookattempt"
	"github.com/b2b-orders/platform/ent/webhookdelivery"
	"github.com/b2b-orders/platform/ent/webhookendpoint"
	"github.com/b2b-orders/platform/services"
	"github.com/b2b-orders/platform/services/internal/storeerr"
	"github.com/b2b-orders/platform/services/orders"
)

// Retry is the schedule of a delivery's attempts. The first is sent as
// soon as the event is published. After the n-th failed attempt the next
// waits a random time between 0 and min(Max, First·Factor^(n-1)) ("full
// jitter", so that the retries of many deliveries that failed together
// spread out instead of arriving together). Attempts go on until Period
// has passed since the delivery was written, the last of them at its end;
// then the delivery is failed. An endpoint whose attempts have failed
// without a success in between for Period is disabled.
type Retry struct {
	First  time.Duration
	Factor float64
	Max    time.Duration
	Period time.Duration
}

// DefaultRetry: ceilings of 5 s, 20 s, 80 s, 5 min, 21 min, 85 min, 5.7 h and
// then 10 h, for three days: about twenty attempts.
var DefaultRetry = Retry{First: 5 * time.Second, Factor: 4, Max: 10 * time.Hour, Period: 72 * time.Hour}

func (r Retry) withDefaults() Retry {
	d := DefaultRetry
	if r.First > 0 {
		d.First = r.First
	}
	if r.Factor >= 1 {
		d.Factor = r.Factor
	}
	if r.Max > 0 {
		d.Max = r.Max
	}
	if r.Period > 0 {
		d.Period = r.Period
	}
	return d
}

// Ceiling is the longest wait after the n-th failed attempt (n from 1).
func (r Retry) Ceiling(n int) time.Duration {
	c := float64(r.First)
	for i := 1; i < n && c < float64(r.Max); i++ {
		c *= r.Factor
	}
	return time.Duration(min(c, float64(r.Max)))
}

// delay is the wait after the n-th failed attempt: full jitter.
func (r Retry) delay(n int) time.Duration {
	c := r.Ceiling(n)
	if c <= 0 {
		return 0
	}
	return rand.N(c + 1)
}

// FanOut writes, in tx, one pending delivery for each of evs and each
// enabled endpoint whose filter matches it, due at once. The outbox relay
// calls it (orders.Config.Relayed) in the transaction that marks evs
// published, under the relay's locks on their rows on MySQL: the
// deliveries of an event commit exactly when its mark does, so an event
// marked once fans out once, and one whose mark rolled back (the relay
// died, or NATS did not acknowledge) fans out with its next relay. A
// unique (endpoint, event) index refuses a second delivery regardless.
// Doing it in the relay's turn rather than in a claim of its own on the
// outbox costs no second walk over it and no second marker column, at the
// price that webhooks wait, as NATS consumers do, while NATS is down.
// Errors: the store's, unclassified (the relay's transaction returns them).
func (s *Service) FanOut(ctx context.Context, tx *ent.Tx, evs []orders.Event) error {
	if len(evs) == 0 {
		return nil
	}
	eps, err := tx.WebhookEndpoint.Query().Where(webhookendpoint.Enabled(true)).
		Select(webhookendpoint.FieldID, webhookendpoint.FieldEventTypes).All(ctx)
	if err != nil || len(eps) == 0 {
		return err
	}
	now := s.stamp()
	var rows []*ent.WebhookDeliveryCreate
	for _, ev := range evs {
		for _, ep := range eps {
			if len(ep.EventTypes) > 0 && !slices.Contains(ep.EventTypes, ev.Type) {
				continue
			}
			rows = append(rows, tx.WebhookDelivery.Create().SetEndpointID(ep.ID).SetEventRow(ev.Row).
				SetEventID(ev.ID).SetEventType(ev.Type).SetNextAttemptAt(now).SetCreatedAt(now).SetUpdatedAt(now))
		}
	}
	// Bounded batches: a relay batch times many endpoints could pass a
	// statement's placeholder limit.
	for chunk := range slices.Chunk(rows, 500) {
		if err := tx.WebhookDelivery.CreateBulk(chunk...).Exec(ctx); err != nil {
			return err
		}
	}
	if len(rows) > 0 && s.cfg.FannedOut != nil {
		tx.OnCommit(func(next ent.Committer) ent.Committer {
			return ent.CommitFunc(func(ctx context.Context, tx *ent.Tx) error {
				err := next.Commit(ctx, tx)
				if err == nil {
					s.cfg.FannedOut()
				}
				return err
			})
		})
	}
	return nil
}

// Job is one claimed attempt: what to send, where, and with which secret.
type Job struct {
	DeliveryID int
	// Attempt numbers the attempt from 1; it fences the claim: only the
	// claimant of this attempt can record it.
	Attempt    int
	EndpointID int
	URL        string
	Secret     string
	EventID    string
	EventType  string
	Payload    []byte
}

// Claim claims at most limit due attempts for the caller to send. Each
// claim is a conditional UPDATE of one delivery (pending, due, and still at
// the attempt count that was read) that counts the attempt and moves the
// delivery's due time past the lease: of several processes that read the
// same due delivery, exactly one updates it, and the others skip it. No
// transaction stays open while the caller sends. A claimant that dies
// leaves the delivery due again when the lease ends (at least once; the
// webhook-id lets receivers drop the repeat).
// Errors: Unavailable; Internal.
func (s *Service) Claim(ctx context.Context, limit int) ([]Job, error) {
	now := s.stamp()
	due, err := s.db.Client.WebhookDelivery.Query().
		Where(webhookdelivery.StateEQ(webhookdelivery.StatePending), webhookdelivery.NextAttemptAtLTE(now)).
		Order(ent.Asc(webhookdelivery.FieldNextAttemptAt), ent.Asc(webhookdelivery.FieldID)).Limit(limit).All(ctx)
	if err != nil || len(due) == 0 {
		return nil, storeerr.Classify(err, "claim webhook deliveries")
	}
	var mine []*ent.WebhookDelivery
	for _, d := range due {
		n, err := s.db.Client.WebhookDelivery.Update().
			Where(webhookdelivery.ID(d.ID), webhookdelivery.StateEQ(webhookdelivery.StatePending),
				webhookdelivery.Attempts(d.Attempts), webhookdelivery.NextAttemptAtLTE(now)).
			SetAttempts(d.Attempts + 1).SetNextAttemptAt(now.Add(s.cfg.Lease)).SetUpdatedAt(now).Save(ctx)
		if err != nil {
			return s.jobs(ctx, mine, storeerr.Classify(err, "claim webhook delivery"))
		}
		if n == 1 {
			d.Attempts++
			mine = append(mine, d)
		}
	}
	return s.jobs(ctx, mine, nil)
}

// jobs completes claimed deliveries with their endpoints and payloads.
// The claims of deliveries whose endpoint or event is gone are left to
// lapse (their endpoint was deleted; the outbox keeps every event).
func (s *Service) jobs(ctx context.Context, ds []*ent.WebhookDelivery, claimErr error) ([]Job, error) {
	if len(ds) == 0 {
		return nil, claimErr
	}
	var epIDs, rowIDs []int
	for _, d := range ds {
		epIDs = append(epIDs, d.EndpointID)
		rowIDs = append(rowIDs, d.EventRow)
	}
	eps, err := s.db.Client.WebhookEndpoint.Query().Where(webhookendpoint.IDIn(epIDs...)).All(ctx)
	if err != nil {
		return nil, storeerr.Classify(err, "claim webhook deliveries")
	}
	evs, err := s.db.Client.OrderEvent.Query().Where(orderevent.IDIn(rowIDs...)).
		Select(orderevent.FieldID, orderevent.FieldPayload).All(ctx)
	if err != nil {
		return nil, storeerr.Classify(err, "claim webhook deliveries")
	}
	byEP := map[int]*ent.WebhookEndpoint{}
	for _, e := range eps {
		byEP[e.ID] = e
	}
	payloads := map[int]string{}
	for _, e := range evs {
		payloads[e.ID] = e.Payload
	}
	jobs := make([]Job, 0, len(ds))
	for _, d := range ds {
		ep, ok := byEP[d.EndpointID]
		payload, has := payloads[d.EventRow]
		if !ok || !has || !ep.Enabled {
			// A fan-out that read the endpoint just before it was deleted
			// or disabled: the delivery goes the way of the endpoint's
			// others (best effort; if this fails, the next claim retries).
			s.orphan(ctx, d, ok)
			continue
		}
		jobs = append(jobs, Job{DeliveryID: d.ID, Attempt: d.Attempts, EndpointID: ep.ID, URL: ep.URL, Secret: ep.Secret,
			EventID: d.EventID, EventType: d.EventType, Payload: []byte(payload)})
	}
	return jobs, claimErr
}

// orphan removes (endpoint deleted) or fails (endpoint disabled) a
// claimed delivery that must not be sent.
func (s *Service) orphan(ctx context.Context, d *ent.WebhookDelivery, endpointExists bool) {
	fenced := []predicate.WebhookDelivery{webhookdelivery.ID(d.ID), webhookdelivery.Attempts(d.Attempts)}
	if !endpointExists {
		_, _ = s.db.Client.WebhookDelivery.Delete().Where(fenced...).Exec(ctx)
		return
	}
	_ = s.db.Client.WebhookDelivery.Update().Where(fenced...).SetState(webhookdelivery.StateFailed).
		SetLastError("endpoint disabled").SetUpdatedAt(s.stamp()).Exec(ctx)
}

// Result is what one attempt met: the receiver's status (0 when none came)
// or the error that stopped it, and how long it took.
type Result struct {
	StatusCode int
	Err        string
	Duration   time.Duration
}

// Delivered reports whether the receiver accepted: a 2xx status.
func (r Result) Delivered() bool { return r.Err == "" && r.StatusCode >= 200 && r.StatusCode <= 299 }

// Outcome is what Record made of an attempt.
type Outcome struct {
	// State is the delivery's after the attempt: pending (retried at
	// NextAttemptAt), delivered or failed (the period is over).
	State         string
	NextAttemptAt time.Time
	// Disabled: this attempt disabled its endpoint, failing since
	// FailingSince for the whole period.
	Disabled     bool
	FailingSince time.Time
	// Stale: the claim had lapsed (another process claimed the delivery
	// since, or the endpoint was deleted or disabled); nothing was
	// recorded.
	Stale bool
}

// The delivery states.
const (
	StatePending   = "pending"
	StateDelivered = "delivered"
	StateFailed    = "failed"
)

// Record records the result of a claimed attempt in one transaction: the
// attempt's log row, the delivery's new state (delivered on a 2xx,
// otherwise due again after the retry schedule's wait, or failed once the
// period is over) and the endpoint's failure record, which a success
// clears and which disables the endpoint once its first failure is
// Period old (its pending deliveries fail with it).
// Errors: Unavailable; Conflict (busy); Internal.
func (s *Service) Record(ctx context.Context, job Job, res Result) (Outcome, error) {
	var out Outcome
	errText := truncate(res.Err, 1000)
	err := s.db.WithTx(ctx, func(tx *ent.Tx) error {
		out = Outcome{}
		now := s.stamp()
		d, err := tx.WebhookDelivery.Query().Where(webhookdelivery.ID(job.DeliveryID)).Only(ctx)
		if ent.IsNotFound(err) {
			out.Stale = true
			return nil
		}
		if err != nil {
			return err
		}
		// The attempt count fences a lapsed claim (a later claim counted
		// another attempt); the log fences a second record of this one.
		done, err := tx.WebhookAttempt.Query().Where(webhookattempt.DeliveryID(d.ID), webhookattempt.Attempt(job.Attempt)).Exist(ctx)
		if err != nil {
			return err
		}
		if done {
			out.Stale = true
			return nil
		}
		u := tx.WebhookDelivery.Update().Where(webhookdelivery.ID(d.ID), webhookdelivery.StateEQ(webhookdelivery.StatePending),
			webhookdelivery.Attempts(job.Attempt)).SetUpdatedAt(now)
		if res.StatusCode > 0 {
			u.SetLastStatusCode(res.StatusCode)
		} else {
			u.ClearLastStatusCode()
		}
		if errText != "" {
			u.SetLastError(errText)
		} else {
			u.ClearLastError()
		}
		if res.Delivered() {
			out.State = StateDelivered
			u.SetState(webhookdelivery.StateDelivered).SetDeliveredAt(now)
		} else {
			end := d.CreatedAt.Add(s.cfg.Retry.Period)
			next := now.Add(s.cfg.Retry.delay(job.Attempt))
			if next.After(end) {
				next = end // the last attempt at the period's end
			}
			if !now.Before(end) {
				out.State = StateFailed
				u.SetState(webhookdelivery.StateFailed)
			} else {
				out.State, out.NextAttemptAt = StatePending, next
				u.SetNextAttemptAt(next)
			}
		}
		n, err := u.Save(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			out.Stale = true
			return nil
		}
		a := tx.WebhookAttempt.Create().SetDeliveryID(d.ID).SetEndpointID(d.EndpointID).SetAttempt(job.Attempt).
			SetDurationMs(int(res.Duration.Milliseconds())).SetAttemptedAt(now)
		if res.StatusCode > 0 {
			a.SetStatusCode(res.StatusCode)
		}
		if errText != "" {
			a.SetError(errText)
		}
		if err := a.Exec(ctx); err != nil {
			return err
		}
		if res.Delivered() {
			return tx.WebhookEndpoint.Update().Where(webhookendpoint.ID(d.EndpointID), webhookendpoint.FailingSinceNotNil()).
				ClearFailingSince().Exec(ctx)
		}
		return s.failed(ctx, tx, d.EndpointID, now, &out)
	})
	if err != nil {
		return Outcome{}, storeerr.Classify(err, "record webhook attempt")
	}
	return out, nil
}

// failed notes a failed attempt on its endpoint: the start of its failing
// when it was not failing, and its disabling when it has failed for the
// whole period. Both are conditional updates, so that of two concurrent
// failures one starts the clock and one disables.
func (s *Service) failed(ctx context.Context, tx *ent.Tx, endpointID int, now time.Time, out *Outcome) error {
	if err := tx.WebhookEndpoint.Update().Where(webhookendpoint.ID(endpointID), webhookendpoint.FailingSinceIsNil(), webhookendpoint.Enabled(true)).
		SetFailingSince(now).Exec(ctx); err != nil {
		return err
	}
	ep, err := tx.WebhookEndpoint.Get(ctx, endpointID)
	if ent.IsNotFound(err) {
		return nil
	}
	if err != nil || !ep.Enabled || ep.FailingSince == nil || now.Sub(*ep.FailingSince) < s.cfg.Retry.Period {
		return err
	}
	since := ep.FailingSince.UTC()
	n, err := tx.WebhookEndpoint.Update().Where(webhookendpoint.ID(endpointID), webhookendpoint.Enabled(true)).
		SetEnabled(false).SetDisabledAt(now).
		SetDisabledReason(fmt.Sprintf("every attempt failed from %s for longer than %s", since.Format(time.RFC3339), s.cfg.Retry.Period)).
		SetUpdatedAt(now).Save(ctx)
	if err != nil || n == 0 {
		return err
	}
	out.Disabled, out.FailingSince = true, since
	if out.State == StatePending {
		out.State = StateFailed
	}
	return failPending(ctx, tx, endpointID, now)
}

// failPending fails the pending deliveries of a disabled endpoint.
func failPending(ctx context.Context, tx *ent.Tx, endpointID int, now time.Time) error {
	return tx.WebhookDelivery.Update().
		Where(webhookdelivery.EndpointID(endpointID), webhookdelivery.StateEQ(webhookdelivery.StatePending)).
		SetState(webhookdelivery.StateFailed).SetLastError("endpoint disabled").SetUpdatedAt(now).Exec(ctx)
}

func truncate(s string, n int) string {
	// n bytes, as the columns count them (an error a receiver shapes can
	// hold multi-byte text), cut at a character's start; invalid UTF-8
	// becomes U+FFFD first, so the cut text is valid.
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// Delivery is one event's delivery to an endpoint, with its attempts.
type Delivery struct {
	ID             int
	EndpointID     int
	EventID        string
	EventType      string
	State          string
	Attempts       int
	NextAttemptAt  *time.Time
	LastStatusCode *int
	LastError      *string
	DeliveredAt    *time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
	Log            []Attempt
}

// Attempt is one attempt of a delivery, as the log keeps it.
type Attempt struct {
	Attempt    int
	StatusCode *int
	Error      *string
	Duration   time.Duration
	At         time.Time
}

// Deliveries returns a page of an endpoint's deliveries, newest first,
// each with its attempts in order.
// Errors: Unauthenticated; PermissionDenied; Invalid for ids below 1;
// NotFound when there is no such endpoint.
func (s *Service) Deliveries(ctx context.Context, endpointID int, p ListParams) (services.Page[Delivery], error) {
	var page services.Page[Delivery]
	if _, err := s.Get(ctx, endpointID); err != nil {
		return page, err
	}
	limit := services.ClampLimit(p.Limit)
	q := s.db.Client.WebhookDelivery.Query().Where(webhookdelivery.EndpointID(endpointID))
	if p.After > 0 {
		q = q.Where(webhookdelivery.IDLT(p.After))
	}
	rows, err := q.Order(ent.Desc(webhookdelivery.FieldID)).Limit(limit + 1).All(ctx)
	if err != nil {
		return page, storeerr.Classify(err, "list webhook deliveries")
	}
	page = services.PageOf(rows, limit, deliveryFromEnt)
	if len(page.Items) == 0 {
		return page, nil
	}
	ids := make([]int, len(page.Items))
	at := map[int]int{}
	for i, d := range page.Items {
		ids[i], at[d.ID] = d.ID, i
	}
	atts, err := s.db.Client.WebhookAttempt.Query().Where(webhookattempt.DeliveryIDIn(ids...)).
		Order(ent.Asc(webhookattempt.FieldDeliveryID), ent.Asc(webhookattempt.FieldAttempt)).All(ctx)
	if err != nil {
		return services.Page[Delivery]{}, storeerr.Classify(err, "list webhook attempts")
	}
	for _, a := range atts {
		d := &page.Items[at[a.DeliveryID]]
		d.Log = append(d.Log, Attempt{Attempt: a.Attempt, StatusCode: a.StatusCode, Error: a.Error,
			Duration: time.Duration(a.DurationMs) * time.Millisecond, At: a.AttemptedAt.UTC()})
	}
	return page, nil
}

func deliveryFromEnt(d *ent.WebhookDelivery) Delivery {
	out := Delivery{ID: d.ID, EndpointID: d.EndpointID, EventID: d.EventID, EventType: d.EventType, State: string(d.State),
		Attempts: d.Attempts, LastStatusCode: d.LastStatusCode, LastError: d.LastError, DeliveredAt: utcPtr(d.DeliveredAt),
		CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC(), Log: []Attempt{}}
	if d.State == webhookdelivery.StatePending {
		t := d.NextAttemptAt.UTC()
		out.NextAttemptAt = &t
	}
	return out
}
