// Package webhooks owns the webhook endpoints that admins register and the
// deliveries of order events to them (Standard Webhooks): who may manage
// endpoints, their validation, the fan-out of every published event to
// the matching endpoints, the claiming of due deliveries so that one
// process sends each attempt, the retry schedule, the attempt log and the
// disabling of endpoints that keep failing. Sending is not here: the
// deliverer (internal/delivery) claims attempts, sends them and records
// what came back.
//
// Besides the errors each method lists, any method may answer Unavailable
// (the database did not answer) and a write Conflict with code busy (it
// lost to concurrent changes through every attempt of db's retry policy).
package webhooks

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/b2b-orders/platform/db"
	"github.com/b2b-orders/platform/ent"
	"github.com/b2b-orders/platform/ent/webhookattempt"
	"github.com/b2b-orders/platform/ent/webhookdelivery"
	"github.com/b2b-orders/platform/ent/webhookendpoint"
	"github.com/b2b-orders/platform/services"
	"github.com/b2b-orders/platform/services/internal/storeerr"
	"github.com/b2b-orders/platform/services/orders"
)

// EventTypes are the event types an endpoint may ask for.
var EventTypes = orders.EventTypes

// SecretPrefix starts every Standard Webhooks signing secret.
const SecretPrefix = "whsec_"

// The messages of the errors this package returns.
const (
	MsgInvalidWebhookID = "Invalid webhook ID"
	MsgNotFound         = "Webhook not found"
	MsgURL              = "URL must be an absolute http or https URL"
	MsgURLLong          = "URL must be at most 2048 characters"
	MsgSecret           = "Secret must be whsec_ followed by the base64 of 24 to 64 bytes"
	MsgNothingToUpdate  = "At least one field must be provided for update"
)

// MsgUnknownEventType is the message for an event type outside EventTypes.
func MsgUnknownEventType(t string) string { return "Unknown event type: " + t }

var errNotFound = services.NotFoundf(MsgNotFound)

// Endpoint is a registered receiver as admins read it; its secret is shown
// once, by Create, and never again.
type Endpoint struct {
	ID  int
	URL string
	// EventTypes it receives; empty means every type.
	EventTypes []string
	Enabled    bool
	// DisabledAt and DisabledReason say when and why it stopped receiving
	// (it failed for the whole retry period, or an admin disabled it).
	DisabledAt     *time.Time
	DisabledReason *string
	// FailingSince is the first failed attempt since its last success.
	FailingSince *time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// CreateInput is a new endpoint. A nil Secret asks for a generated one.
type CreateInput struct {
	URL        string
	Secret     *string
	EventTypes []string
}

// UpdateInput changes the fields that are not nil. Enabled true enables a
// disabled endpoint again (its failure clock starts afresh); false
// disables it.
type UpdateInput struct {
	URL        *string
	Secret     *string
	EventTypes *[]string
	Enabled    *bool
}

// ListParams selects a page of endpoints by id, or of an endpoint's
// deliveries, newest first.
type ListParams struct {
	// After is the last id of the previous page; 0 starts at the
	// beginning (endpoints: the lowest id; deliveries: the newest).
	After int
	// Limit is clamped with services.ClampLimit.
	Limit int
}

// Config tunes the service. Zero fields take the defaults.
type Config struct {
	// Now is the clock (default: the system clock).
	Now func() time.Time
	// Retry is the schedule of failed deliveries (default DefaultRetry).
	Retry Retry
	// Lease is how long a claimed attempt stays the claimant's before the
	// delivery is due again (default one minute); it must exceed the
	// deliverer's request timeout.
	Lease time.Duration
	// FannedOut is called after the commit of a transaction in which
	// FanOut wrote deliveries: the deliverer's nudge. Batches that fan
	// nothing out (no endpoint, or none for their types) call nobody.
	FannedOut func()
}

// Service is the webhooks domain service. Its methods are safe for
// concurrent use.
type Service struct {
	db  *db.DB
	cfg Config
}

// New returns a Service over store.
func New(store *db.DB, cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.Retry = cfg.Retry.withDefaults()
	if cfg.Lease <= 0 {
		cfg.Lease = time.Minute
	}
	return &Service{db: store, cfg: cfg}
}

// stamp is the current time as the database keeps it (UTC, milliseconds).
func (s *Service) stamp() time.Time { return s.cfg.Now().UTC().Truncate(time.Millisecond) }

// authorize lets admins and staff in. Anonymous callers are refused even
// when the operator opened the public routes (AUTH_REQUIRED=false): an
// endpoint sends every order to a URL of the caller's choosing, which the
// original system never offered anyone without credentials.
func authorize(ctx context.Context) error {
	p, err := services.PrincipalFrom(ctx)
	if err != nil {
		return err
	}
	if p.Role != services.RoleAdmin && p.Role != services.RoleStaff {
		return services.ErrPermissionDenied
	}
	return nil
}

// Create registers an endpoint and returns it with its secret: the one
// given, or a generated one (32 random bytes) when in.Secret is nil. The
// secret is never returned again.
// Errors: Unauthenticated; PermissionDenied for roles other than admin and
// staff; Invalid (field url, secret or event_types) with MsgURL,
// MsgURLLong, MsgSecret or MsgUnknownEventType.
func (s *Service) Create(ctx context.Context, in CreateInput) (Endpoint, string, error) {
	if err := authorize(ctx); err != nil {
		return Endpoint{}, "", err
	}
	if err := checkURL(in.URL); err != nil {
		return Endpoint{}, "", err
	}
	var secret string
	if in.Secret != nil {
		if err := checkSecret(*in.Secret); err != nil {
			return Endpoint{}, "", err
		}
		secret = *in.Secret
	} else {
		secret = NewSecret()
	}
	types, err := checkTypes(in.EventTypes)
	if err != nil {
		return Endpoint{}, "", err
	}
	now := s.stamp()
	e, err := s.db.Client.WebhookEndpoint.Create().SetURL(in.URL).SetSecret(secret).SetEventTypes(types).
		SetCreatedAt(now).SetUpdatedAt(now).Save(ctx)
	if err != nil {
		return Endpoint{}, "", storeerr.Classify(err, "create webhook")
	}
	return fromEnt(e), secret, nil
}

// Get returns the endpoint with the id.
// Errors: Unauthenticated; PermissionDenied; Invalid for ids below 1;
// NotFound.
func (s *Service) Get(ctx context.Context, id int) (Endpoint, error) {
	if err := authorize(ctx); err != nil {
		return Endpoint{}, err
	}
	if id < 1 {
		return Endpoint{}, services.InvalidField("id", MsgInvalidWebhookID)
	}
	e, err := s.db.Client.WebhookEndpoint.Get(ctx, id)
	if ent.IsNotFound(err) {
		return Endpoint{}, errNotFound
	}
	if err != nil {
		return Endpoint{}, storeerr.Classify(err, "get webhook")
	}
	return fromEnt(e), nil
}

// List returns a page of endpoints ordered by id.
// Errors: Unauthenticated; PermissionDenied.
func (s *Service) List(ctx context.Context, p ListParams) (services.Page[Endpoint], error) {
	if err := authorize(ctx); err != nil {
		return services.Page[Endpoint]{}, err
	}
	limit := services.ClampLimit(p.Limit)
	rows, err := s.db.Client.WebhookEndpoint.Query().Where(webhookendpoint.IDGT(max(p.After, 0))).
		Order(ent.Asc(webhookendpoint.FieldID)).Limit(limit + 1).All(ctx)
	if err != nil {
		return services.Page[Endpoint]{}, storeerr.Classify(err, "list webhooks")
	}
	return services.PageOf(rows, limit, fromEnt), nil
}

// Update changes an endpoint. Enabling a disabled endpoint clears its
// failure record; disabling one (or its being disabled for failing) fails
// its pending deliveries, which are not sent when it is enabled again.
// Errors: Unauthenticated; PermissionDenied; Invalid for ids below 1, for
// an input with no field (MsgNothingToUpdate) and as Create's; NotFound.
func (s *Service) Update(ctx context.Context, id int, in UpdateInput) (Endpoint, error) {
	if err := authorize(ctx); err != nil {
		return Endpoint{}, err
	}
	if id < 1 {
		return Endpoint{}, services.InvalidField("id", MsgInvalidWebhookID)
	}
	if in == (UpdateInput{}) {
		return Endpoint{}, services.InvalidField("", MsgNothingToUpdate)
	}
	if in.URL != nil {
		if err := checkURL(*in.URL); err != nil {
			return Endpoint{}, err
		}
	}
	if in.Secret != nil {
		if err := checkSecret(*in.Secret); err != nil {
			return Endpoint{}, err
		}
	}
	var types []string
	if in.EventTypes != nil {
		var err error
		if types, err = checkTypes(*in.EventTypes); err != nil {
			return Endpoint{}, err
		}
	}
	var out Endpoint
	err := s.db.WithTx(ctx, func(tx *ent.Tx) error {
		cur, err := tx.WebhookEndpoint.Get(ctx, id)
		if ent.IsNotFound(err) {
			return errNotFound
		}
		if err != nil {
			return err
		}
		now := s.stamp()
		u := tx.WebhookEndpoint.UpdateOneID(id).SetUpdatedAt(now)
		if in.URL != nil {
			u.SetURL(*in.URL)
		}
		if in.Secret != nil {
			u.SetSecret(*in.Secret)
		}
		if in.EventTypes != nil {
			u.SetEventTypes(types)
		}
		if in.Enabled != nil && *in.Enabled != cur.Enabled {
			if *in.Enabled {
				u.SetEnabled(true).ClearDisabledAt().ClearDisabledReason().ClearFailingSince()
			} else {
				u.SetEnabled(false).SetDisabledAt(now).SetDisabledReason(reasonByAdmin)
				if err := failPending(ctx, tx, id, now); err != nil {
					return err
				}
			}
		}
		e, err := u.Save(ctx)
		if err != nil {
			return err
		}
		out = fromEnt(e)
		return nil
	})
	if err != nil {
		return Endpoint{}, storeerr.Classify(err, "update webhook")
	}
	return out, nil
}

// reasonByAdmin is the DisabledReason of an endpoint an admin disabled.
const reasonByAdmin = "disabled by an admin"

// Delete removes an endpoint with its deliveries and their attempt log; an
// attempt in flight is not recorded.
// Errors: Unauthenticated; PermissionDenied; Invalid for ids below 1;
// NotFound.
func (s *Service) Delete(ctx context.Context, id int) error {
	if err := authorize(ctx); err != nil {
		return err
	}
	if id < 1 {
		return services.InvalidField("id", MsgInvalidWebhookID)
	}
	err := s.db.WithTx(ctx, func(tx *ent.Tx) error {
		n, err := tx.WebhookEndpoint.Delete().Where(webhookendpoint.ID(id)).Exec(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			return errNotFound
		}
		if _, err := tx.WebhookAttempt.Delete().Where(webhookattempt.EndpointID(id)).Exec(ctx); err != nil {
			return err
		}
		_, err = tx.WebhookDelivery.Delete().Where(webhookdelivery.EndpointID(id)).Exec(ctx)
		return err
	})
	return storeerr.Classify(err, "delete webhook")
}

// NewSecret returns a fresh signing secret: whsec_ and the base64 of 32
// random bytes.
func NewSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails, see crypto/rand.Read
	return SecretPrefix + base64.StdEncoding.EncodeToString(b)
}

// checkURL accepts an absolute http or https URL with a host and without
// credentials (which would end up in logs) or a fragment. Addresses are
// checked when the deliverer connects, not here: a name can resolve
// elsewhere by then.
func checkURL(raw string) error {
	if len(raw) > 2048 {
		return services.InvalidField("url", MsgURLLong)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "" ||
		u.User != nil || u.Fragment != "" || strings.ContainsAny(raw, " \t\r\n") {
		return services.InvalidField("url", MsgURL)
	}
	return nil
}

// checkSecret accepts whsec_ and standard base64 of 24 to 64 bytes, the
// sizes Standard Webhooks allows.
func checkSecret(s string) error {
	rest, ok := strings.CutPrefix(s, SecretPrefix)
	// The base64 alphabet only: the decoder skips line breaks, which
	// would let a secret past the column's length.
	if !ok || strings.ContainsFunc(rest, func(r rune) bool {
		return !('A' <= r && r <= 'Z' || 'a' <= r && r <= 'z' || '0' <= r && r <= '9' || r == '+' || r == '/' || r == '=')
	}) {
		return services.InvalidField("secret", MsgSecret)
	}
	key, err := base64.StdEncoding.DecodeString(rest)
	if err != nil || len(key) < 24 || len(key) > 64 {
		return services.InvalidField("secret", MsgSecret)
	}
	return nil
}

// checkTypes returns the types, each known and listed once, in the order
// given.
func checkTypes(types []string) ([]string, error) {
	out := make([]string, 0, len(types))
	for _, t := range types {
		if !slices.Contains(EventTypes, t) {
			return nil, services.InvalidField("event_types", MsgUnknownEventType(t))
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out, nil
}

func fromEnt(e *ent.WebhookEndpoint) Endpoint {
	types := e.EventTypes
	if types == nil {
		types = []string{}
	}
	return Endpoint{ID: e.ID, URL: e.URL, EventTypes: types, Enabled: e.Enabled, DisabledAt: utcPtr(e.DisabledAt),
		DisabledReason: e.DisabledReason, FailingSince: utcPtr(e.FailingSince), CreatedAt: e.CreatedAt.UTC(), UpdatedAt: e.UpdatedAt.UTC()}
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
